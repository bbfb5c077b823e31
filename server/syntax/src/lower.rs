//! Builds the runbook model from tree-sitter-md trees, in two steps: `Facts`
//! are what one parsed text says on its own (headings, field openers, code
//! spans, code blocks with their imports, comments), with offsets into that
//! text; `assemble` joins the facts of a whole document into sections,
//! Actions and field values. Facts of a piece of text can therefore be
//! computed, cached and shifted independently of the rest of the document.

use std::sync::Arc;

use crate::markdown::MarkdownTrees as MarkdownTree;
use tree_sitter::Node;

use crate::model::*;
use crate::typescript::{self, Dialect};
use crate::{SafetyClass, TextRange, line_end, line_start};

/// What one parsed text says, with offsets relative to its start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    headings: Vec<Heading>,
    fields: Vec<RawField>,
    code_spans: Vec<CodeSpan>,
    code_blocks: Vec<CodeBlock>,
    imports: Vec<Import>,
    calls: Vec<Call>,
    thematic_breaks: Vec<usize>,
    suppressions: Vec<Suppression>,
    ends_open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RawField {
    label: Option<FieldLabel>,
    label_text: Arc<str>,
    label_range: TextRange,
    container: FieldContainer,
    /// Where the field's block starts: the list item's marker or the paragraph.
    block_start: usize,
    /// Start of the strong label.
    start: usize,
    /// After the colon and following blanks.
    value_start: usize,
    /// End of the colon: where an empty value sits.
    colon_end: usize,
    /// The end of the block that contains the field (its list item, or the
    /// container of its paragraph); `usize::MAX` at the top level.
    container_end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CodeSpan {
    /// The text between the backticks, without the one padding space CommonMark strips.
    content: Arc<str>,
    content_range: TextRange,
    span_range: TextRange,
}

impl Facts {
    /// Collects the facts of `text`, parsed into `tree`.
    pub fn collect(text: &str, tree: &MarkdownTree) -> Facts {
        let mut facts = Facts::default();
        let mut collector = Collector { text, tree, facts: &mut facts };
        collector.block(tree.block_tree().root_node(), usize::MAX);
        facts.ends_open = ends_open(text, tree);
        facts
    }
}

/// Whether the last block of a parsed text is a fence or an HTML block that
/// its text does not close.
fn ends_open(text: &str, tree: &MarkdownTree) -> bool {
    let mut node = tree.block_tree().root_node();
    // The last block, however deep (a fence inside a list item inside a section).
    while let Some(last) = node.named_child(node.named_child_count().saturating_sub(1) as u32) {
        match last.kind() {
            "fenced_code_block" => {
                let mut cursor = last.walk();
                let n_delimiters = last
                    .named_children(&mut cursor)
                    .filter(|child| child.kind() == "fenced_code_block_delimiter")
                    .count();
                return n_delimiters < 2;
            }
            "html_block" => return html_block_is_open(&text[last.byte_range()]),
            _ => node = last,
        }
    }
    false
}

/// Whether an HTML block of the kinds that run past blank lines (CommonMark
/// types 1 to 5: `<!--`, `<?`, `<!X`, `<![CDATA[`, `<pre>`-like) lacks its end.
pub(crate) fn html_block_is_open(block: &str) -> bool {
    html_block_end(block.trim_start()).is_some_and(|end| !block.to_ascii_lowercase().contains(end))
}

/// The end marker of an HTML block that starts `line`, for the kinds that run
/// past blank lines; `None` for other lines.
pub(crate) fn html_block_end(line: &str) -> Option<&'static str> {
    // Called for every line of a document: reject the common case first.
    if !line.starts_with('<') {
        return None;
    }
    let lower = line.get(..10.min(line.len()))?.to_ascii_lowercase();
    if lower.starts_with("<!--") {
        return Some("-->");
    }
    if lower.starts_with("<![cdata[") {
        return Some("]]>");
    }
    if lower.starts_with("<?") {
        return Some("?>");
    }
    if lower.starts_with("<!") && lower[2..].starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some(">");
    }
    for (tag, end) in
        [("<script", "</script>"), ("<pre", "</pre>"), ("<style", "</style>"), ("<textarea", "</textarea>")]
    {
        if lower.starts_with(tag) && lower[tag.len()..].chars().next().is_none_or(|c| c == '>' || c.is_whitespace()) {
            return Some(end);
        }
    }
    None
}

struct Collector<'a> {
    text: &'a str,
    tree: &'a MarkdownTree,
    facts: &'a mut Facts,
}

impl Collector<'_> {
    fn block(&mut self, node: Node<'_>, container_end: usize) {
        match node.kind() {
            "atx_heading" => self.atx_heading(node),
            "setext_heading" => self.setext_heading(node),
            "paragraph" => self.paragraph(node, FieldContainer::Paragraph, node.start_byte(), container_end),
            "list_item" => self.list_item(node),
            "fenced_code_block" => self.fenced_code_block(node),
            "html_block" => self.comment(node.byte_range().into()),
            "thematic_break" => self.facts.thematic_breaks.push(node.start_byte()),
            "pipe_table_cell" => self.inline(node),
            "block_quote" => self.children(node, node.end_byte()),
            _ => self.children(node, container_end),
        }
    }

    fn children(&mut self, node: Node<'_>, container_end: usize) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.block(child, container_end);
        }
    }

    fn atx_heading(&mut self, node: Node<'_>) {
        let level = node
            .named_child(0)
            .and_then(|marker| marker.kind().strip_prefix("atx_h")?.strip_suffix("_marker")?.parse().ok())
            .unwrap_or(1);
        let line_end = line_end(self.text, node.start_byte());
        let content = node.child_by_field_name("heading_content");
        let text_range = match content {
            Some(inline) => {
                self.inline(inline);
                strip_closing_hashes(self.text, trim(self.text, inline.byte_range().into()))
            }
            None => TextRange::empty(line_end),
        };
        self.push_heading(level, TextRange::new(node.start_byte(), line_end), text_range);
    }

    fn setext_heading(&mut self, node: Node<'_>) {
        let level = if has_child_kind(node, "setext_h1_underline") { 1 } else { 2 };
        let Some(paragraph) = node.named_child(0).filter(|child| child.kind() == "paragraph") else {
            return;
        };
        let Some(inline) = paragraph.named_child(0).filter(|child| child.kind() == "inline") else {
            return;
        };
        self.inline(inline);
        let line_end = line_end(self.text, inline.start_byte());
        let text_range = trim(self.text, TextRange::new(inline.start_byte(), line_end.min(inline.end_byte())));
        self.push_heading(level, TextRange::new(node.start_byte(), line_end), text_range);
    }

    fn push_heading(&mut self, level: u8, range: TextRange, text_range: TextRange) {
        self.facts.headings.push(Heading {
            level,
            range,
            text_range,
            text: Arc::from(&self.text[text_range.as_range()]),
        });
    }

    fn list_item(&mut self, node: Node<'_>) {
        let mut cursor = node.walk();
        let mut first_block = true;
        for child in node.named_children(&mut cursor) {
            let kind = child.kind();
            if kind.starts_with("list_marker") || kind.starts_with("task_list_marker") || kind == "block_continuation" {
                continue;
            }
            if first_block && kind == "paragraph" {
                self.paragraph(child, FieldContainer::ListItem, node.start_byte(), node.end_byte());
            } else {
                self.block(child, node.end_byte());
            }
            first_block = false;
        }
    }

    fn paragraph(&mut self, node: Node<'_>, container: FieldContainer, block_start: usize, container_end: usize) {
        let mut cursor = node.walk();
        let inlines: Vec<Node<'_>> =
            node.named_children(&mut cursor).filter(|child| child.kind() == "inline").collect();
        if let Some(first) = inlines.first() {
            self.field_openers(*first, container, block_start, container_end);
        }
        for inline in inlines {
            self.inline(inline);
        }
    }

    /// `**Label**:` or `**Label:**` at the start of an inline node, or at the
    /// start of a later line of it: people write one field per line without
    /// blank lines between, and expect each line to count.
    fn field_openers(&mut self, inline: Node<'_>, container: FieldContainer, block_start: usize, container_end: usize) {
        let Some(tree) = self.tree.inline_tree(&inline) else { return };
        let root = tree.root_node();
        let mut cursor = root.walk();
        for strong in root.named_children(&mut cursor) {
            if strong.kind() != "strong_emphasis" {
                continue;
            }
            let at_start = strong.start_byte() == inline.start_byte();
            if !at_start && !starts_line(self.text, strong.start_byte()) {
                continue;
            }
            let block_start = if at_start { block_start } else { strong.start_byte() };
            self.field_opener(strong.byte_range().into(), container, block_start, container_end);
        }
    }

    fn field_opener(
        &mut self,
        strong_range: TextRange,
        container: FieldContainer,
        block_start: usize,
        container_end: usize,
    ) {
        if strong_range.len() < 4 {
            return;
        }
        let inner = TextRange::new(strong_range.start + 2, strong_range.end - 2);
        let inner_text = &self.text[inner.as_range()];
        let (label_range, colon_end) = if inner_text.trim_end().ends_with(':') {
            let colon = inner.start + inner_text.trim_end().len() - 1;
            (TextRange::new(inner.start, colon), strong_range.end)
        } else if self.text[strong_range.end..].starts_with(':') {
            (inner, strong_range.end + 1)
        } else {
            return;
        };
        let label_range = trim(self.text, label_range);
        if label_range.is_empty() {
            return;
        }
        let value_start =
            colon_end + self.text[colon_end..].len() - self.text[colon_end..].trim_start_matches([' ', '\t']).len();
        let label_text: Arc<str> = Arc::from(&self.text[label_range.as_range()]);
        self.facts.fields.push(RawField {
            label: FieldLabel::parse(&label_text),
            label_text,
            label_range,
            container,
            block_start,
            start: strong_range.start,
            value_start,
            colon_end,
            container_end,
        });
    }

    /// Code spans and comments of an inline node (heading, paragraph or table cell).
    fn inline(&mut self, inline: Node<'_>) {
        let Some(tree) = self.tree.inline_tree(&inline) else { return };
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "code_span" => {
                    self.code_span(node);
                    continue;
                }
                "html_tag" => self.comment(node.byte_range().into()),
                _ => {}
            }
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }

    fn code_span(&mut self, node: Node<'_>) {
        let span_range: TextRange = node.byte_range().into();
        let opening = node.named_child(0).filter(|child| child.kind() == "code_span_delimiter");
        let closing = node
            .named_child(node.named_child_count().saturating_sub(1) as u32)
            .filter(|child| child.kind() == "code_span_delimiter" && Some(*child) != opening);
        let (Some(opening), Some(closing)) = (opening, closing) else { return };
        let mut content_range = TextRange::new(opening.end_byte(), closing.start_byte());
        let content = &self.text[content_range.as_range()];
        // CommonMark strips one space on each side when both are there.
        if content.len() >= 2 && content.starts_with(' ') && content.ends_with(' ') && !content.trim().is_empty() {
            content_range = TextRange::new(content_range.start + 1, content_range.end - 1);
        }
        self.facts.code_spans.push(CodeSpan {
            content: Arc::from(&self.text[content_range.as_range()]),
            content_range,
            span_range,
        });
    }

    fn fenced_code_block(&mut self, node: Node<'_>) {
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
        let n_delimiters = children.iter().filter(|child| child.kind() == "fenced_code_block_delimiter").count();
        let language_node = children
            .iter()
            .find(|child| child.kind() == "info_string")
            .and_then(|info| info.named_child(0).filter(|child| child.kind() == "language"));
        let language: Option<Arc<str>> = language_node.map(|node| Arc::from(&self.text[node.byte_range()]));
        let content = children.iter().find(|child| child.kind() == "code_fence_content");
        let content_range = match content {
            Some(content) => TextRange::from(content.byte_range()),
            None => {
                // An empty block: the content sits at the start of the line after the opening fence.
                let after_info = line_end(self.text, node.start_byte());
                let start = next_line_start(self.text, after_info).min(node.end_byte());
                TextRange::empty(start)
            }
        };
        // The ranges tree-sitter-typescript sees: the content minus container prefixes.
        let mut script_ranges = Vec::new();
        if let Some(content) = content {
            let mut start = content.start_byte();
            let mut start_point = content.start_position();
            let mut content_cursor = content.walk();
            for continuation in content.named_children(&mut content_cursor) {
                if continuation.kind() == "block_continuation" && continuation.start_byte() < continuation.end_byte() {
                    script_ranges.push(tree_sitter::Range {
                        start_byte: start,
                        end_byte: continuation.start_byte(),
                        start_point,
                        end_point: continuation.start_position(),
                    });
                    start = continuation.end_byte();
                    start_point = continuation.end_position();
                }
            }
            script_ranges.push(tree_sitter::Range {
                start_byte: start,
                end_byte: content.end_byte(),
                start_point,
                end_point: content.end_position(),
            });
        }
        let code = &self.text[content_range.as_range()];
        let n_code_lines = code
            .lines()
            .map(|line| line.trim_start_matches(|c: char| c.is_whitespace() || c == '>'))
            .filter(|line| !line.is_empty() && !is_comment_line(line))
            .count();
        let dialect = language.as_deref().and_then(Dialect::for_language);
        let index = self.facts.code_blocks.len();
        self.facts.code_blocks.push(CodeBlock {
            language,
            range: trim_end(self.text, node.byte_range().into()),
            content_range,
            n_code_lines,
            is_script: dialect.is_some(),
            unclosed: n_delimiters < 2,
        });
        if let (Some(dialect), false) = (dialect, content_range.is_empty())
            && let Some(tree) = typescript::parse(self.text, Some(&script_ranges), dialect)
        {
            let first_import = self.facts.imports.len();
            typescript::scan_script(
                self.text,
                &tree,
                index,
                first_import,
                &mut self.facts.imports,
                &mut self.facts.calls,
            );
        }
    }

    fn comment(&mut self, range: TextRange) {
        let text = self.text[range.as_range()].trim();
        let Some(body) = text.strip_prefix("<!--").and_then(|body| body.strip_suffix("-->")) else {
            return;
        };
        let body = body.trim();
        let (scope, rest) = if let Some(rest) = body.strip_prefix("runbook-ls-disable-next-line") {
            (SuppressionScope::NextLine, rest)
        } else if let Some(rest) = body.strip_prefix("runbook-ls-disable") {
            (SuppressionScope::RestOfFile, rest)
        } else {
            return;
        };
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            return;
        }
        let codes = rest
            .split([',', ' ', '\t', '\n', '\r'])
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(str::to_string)
            .collect();
        self.facts.suppressions.push(Suppression { scope, codes, range: trim(self.text, range) });
    }
}

/// Whether only blanks and block-quote markers precede `offset` on its line.
fn starts_line(text: &str, offset: usize) -> bool {
    text[line_start(text, offset)..offset].chars().all(|c| c == ' ' || c == '\t' || c == '>')
}

fn is_comment_line(line: &str) -> bool {
    line.starts_with("//") || line.starts_with("/*") || line.starts_with('*') || line.starts_with('#')
}

fn has_child_kind(node: Node<'_>, kind: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor).any(|child| child.kind() == kind)
}

fn next_line_start(text: &str, line_end: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes.get(line_end) {
        Some(b'\r') if bytes.get(line_end + 1) == Some(&b'\n') => line_end + 2,
        Some(b'\r' | b'\n') => line_end + 1,
        _ => line_end,
    }
}

fn trim(text: &str, range: TextRange) -> TextRange {
    let slice = &text[range.as_range()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    TextRange::new(start, (range.start + slice.trim_end().len()).max(start))
}

fn trim_end(text: &str, range: TextRange) -> TextRange {
    let slice = &text[range.as_range()];
    TextRange::new(range.start, range.start + slice.trim_end().len())
}

/// `Title ##` is `Title` (an ATX closing sequence is not heading text).
fn strip_closing_hashes(text: &str, range: TextRange) -> TextRange {
    let slice = &text[range.as_range()];
    let without = slice.trim_end_matches('#');
    if without.len() < slice.len() && (without.is_empty() || without.ends_with([' ', '\t'])) {
        return trim(text, TextRange::new(range.start, range.start + without.len()));
    }
    range
}

/// A heading with what its text says: an Action, a Step, or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HeadingKind {
    Plain,
    Action { number: u32, title: Arc<str>, safety: Option<Word> },
    Step { number: u32, title: Arc<str> },
}

/// The model of one chunk of a document, offsets relative to the chunk:
/// everything but sections, which need the headings of the whole document.
/// A field's value never runs past the next heading, and chunks start at
/// headings, so fields are complete within their chunk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkModel {
    headings: Vec<(Heading, HeadingKind)>,
    fields: Vec<Field>,
    key_refs: Vec<KeyRef>,
    code_blocks: Vec<CodeBlock>,
    imports: Vec<Import>,
    calls: Vec<Call>,
    locations: Vec<LocationRef>,
    suppressions: Vec<Suppression>,
    ends_open: bool,
}

impl ChunkModel {
    pub fn into_references(self) -> References {
        References { key_refs: self.key_refs, imports: self.imports }
    }

    /// Whether the chunk ends inside a construct that a later line could still
    /// continue (an unclosed code fence, an unterminated HTML comment or
    /// `<pre>`-like block), so that it cannot be parsed apart from what follows.
    pub fn ends_open(&self) -> bool {
        self.ends_open
    }
}

impl Facts {
    /// The model of the text these facts were collected from.
    pub fn finish(self, text: &str) -> ChunkModel {
        let Facts {
            headings,
            fields: raw_fields,
            code_spans,
            code_blocks,
            imports,
            calls,
            thematic_breaks,
            suppressions,
            ends_open,
        } = self;
        // Collected in document order, which the binary searches below rely on.
        debug_assert!(code_spans.windows(2).all(|pair| pair[0].span_range.start <= pair[1].span_range.start));
        let mut model = ChunkModel { code_blocks, imports, calls, suppressions, ends_open, ..ChunkModel::default() };

        // Field values run to the next field, heading or thematic break, and
        // never past the block that holds the field.
        for (index, raw) in raw_fields.iter().enumerate() {
            let next_field = raw_fields[index + 1..]
                .iter()
                .map(|next| next.block_start)
                .find(|&start| start > raw.value_start)
                .unwrap_or(usize::MAX);
            let next_heading = first_after(&headings, raw.value_start, |heading| heading.range.start);
            let next_break = first_after(&thematic_breaks, raw.value_start, |&offset| offset);
            let end = next_field.min(next_heading).min(next_break).min(raw.container_end).min(text.len());
            let value_range = (end > raw.value_start)
                .then(|| trim(text, TextRange::new(raw.value_start, end)))
                .filter(|range| !range.is_empty())
                .unwrap_or(TextRange::empty(raw.colon_end));
            let label = raw.label;
            let safety = (label == Some(FieldLabel::Safety)).then(|| first_word(text, value_range)).flatten();
            model.fields.push(Field {
                label,
                label_text: raw.label_text.clone(),
                label_range: raw.label_range,
                container: raw.container,
                range: TextRange::new(raw.start, value_range.end.max(raw.colon_end)),
                value_range,
                safety,
            });
        }

        // Locations: the first code span of the value, else its first word.
        for (index, field) in model.fields.iter().enumerate() {
            if field.label != Some(FieldLabel::Location) || field.value_range.is_empty() {
                continue;
            }
            let first = code_spans.partition_point(|span| span.span_range.start < field.value_range.start);
            let span = code_spans[first..]
                .iter()
                .take_while(|span| span.span_range.start < field.value_range.end)
                .find(|span| field.value_range.contains_range(span.span_range) && !span.content.trim().is_empty());
            let (path, range) = match span {
                Some(span) => (span.content.clone(), span.content_range),
                None => {
                    let value = &text[field.value_range.as_range()];
                    let first_line = value.lines().next().unwrap_or_default();
                    let token = first_line.split_whitespace().next().unwrap_or_default();
                    let token_start = field.value_range.start + first_line.find(token).unwrap_or(0);
                    (Arc::from(token), TextRange::new(token_start, token_start + token.len()))
                }
            };
            if !path.is_empty() {
                model.locations.push(LocationRef { path, range, field: index });
            }
        }

        model.key_refs = code_spans
            .into_iter()
            .filter(|span| is_slug(&span.content))
            .map(|span| KeyRef { slug: span.content, range: span.content_range, span_range: span.span_range })
            .collect();

        model.headings = headings
            .into_iter()
            .map(|heading| {
                let kind = if let Some(parsed) = parse_numbered_heading(text, &heading, "action") {
                    HeadingKind::Action { number: parsed.number, title: parsed.title, safety: parsed.safety }
                } else if let Some(parsed) = parse_numbered_heading(text, &heading, "step") {
                    HeadingKind::Step { number: parsed.number, title: parsed.title }
                } else {
                    HeadingKind::Plain
                };
                (heading, kind)
            })
            .collect();
        model
    }
}

/// Joins the models of a document's chunks (each with the offset it starts
/// at, in order) into the model of the document.
pub fn assemble<'a>(text: &str, chunks: impl IntoIterator<Item = (usize, &'a ChunkModel)> + Clone) -> Runbook {
    let mut runbook = Runbook::default();
    // Sized once: a large document has thousands of each.
    let total =
        |count: fn(&ChunkModel) -> usize| chunks.clone().into_iter().map(|(_, chunk)| count(chunk)).sum::<usize>();
    runbook.headings.reserve(total(|chunk| chunk.headings.len()));
    runbook.fields.reserve(total(|chunk| chunk.fields.len()));
    runbook.key_refs.reserve(total(|chunk| chunk.key_refs.len()));
    runbook.code_blocks.reserve(total(|chunk| chunk.code_blocks.len()));
    runbook.imports.reserve(total(|chunk| chunk.imports.len()));
    runbook.locations.reserve(total(|chunk| chunk.locations.len()));
    let mut kinds: Vec<HeadingKind> = Vec::with_capacity(runbook.headings.capacity());
    for (offset, chunk) in chunks {
        let n_fields = runbook.fields.len();
        let n_code_blocks = runbook.code_blocks.len();
        let n_imports = runbook.imports.len();
        for (heading, kind) in &chunk.headings {
            runbook.headings.push(Heading {
                range: heading.range.shifted(offset),
                text_range: heading.text_range.shifted(offset),
                ..heading.clone()
            });
            kinds.push(match kind {
                HeadingKind::Action { number, title, safety } => HeadingKind::Action {
                    number: *number,
                    title: title.clone(),
                    safety: safety.as_ref().map(|word| word.shifted(offset)),
                },
                other => other.clone(),
            });
        }
        runbook.fields.extend(chunk.fields.iter().map(|field| Field {
            label_range: field.label_range.shifted(offset),
            range: field.range.shifted(offset),
            value_range: field.value_range.shifted(offset),
            safety: field.safety.as_ref().map(|word| word.shifted(offset)),
            ..field.clone()
        }));
        runbook.key_refs.extend(chunk.key_refs.iter().map(|key_ref| KeyRef {
            range: key_ref.range.shifted(offset),
            span_range: key_ref.span_range.shifted(offset),
            ..key_ref.clone()
        }));
        runbook.code_blocks.extend(chunk.code_blocks.iter().map(|block| CodeBlock {
            range: block.range.shifted(offset),
            content_range: block.content_range.shifted(offset),
            ..block.clone()
        }));
        runbook.imports.extend(chunk.imports.iter().map(|import| {
            Import {
                code_block: import.code_block + n_code_blocks,
                range: import.range.shifted(offset),
                specifier_range: import.specifier_range.shifted(offset),
                braces_range: import.braces_range.map(|range| range.shifted(offset)),
                names: import
                    .names
                    .iter()
                    .map(|name| ImportedName { name_range: name.name_range.shifted(offset), ..name.clone() })
                    .collect(),
                ..import.clone()
            }
        }));
        runbook.calls.extend(chunk.calls.iter().map(|call| Call {
            code_block: call.code_block + n_code_blocks,
            import: call.import + n_imports,
            range: call.range.shifted(offset),
            ..call.clone()
        }));
        runbook.locations.extend(chunk.locations.iter().map(|location| LocationRef {
            range: location.range.shifted(offset),
            field: location.field + n_fields,
            ..location.clone()
        }));
        runbook.suppressions.extend(
            chunk
                .suppressions
                .iter()
                .map(|suppression| Suppression { range: suppression.range.shifted(offset), ..suppression.clone() }),
        );
    }

    // Sections, Actions and Steps, from the headings of the whole document.
    let headings = &runbook.headings;
    let mut open: Vec<usize> = Vec::new();
    for (index, heading) in headings.iter().enumerate() {
        let end = headings[index + 1..]
            .iter()
            .find(|next| next.level <= heading.level)
            .map_or(text.len(), |next| next.range.start);
        let range = trim_end(text, TextRange::new(heading.range.start, end));
        while open.last().is_some_and(|&parent| headings[runbook.sections[parent].heading].level >= heading.level) {
            open.pop();
        }
        let parent = open.last().copied();
        let section = runbook.sections.len();
        let kind = match &kinds[index] {
            HeadingKind::Action { number, title, safety } => {
                runbook.actions.push(Action {
                    section,
                    number: *number,
                    title: title.clone(),
                    heading_range: heading.text_range,
                    range,
                    heading_safety: safety.clone(),
                });
                SectionKind::Action(runbook.actions.len() - 1)
            }
            HeadingKind::Step { number, title } => {
                runbook.steps.push(Step {
                    section,
                    number: *number,
                    title: title.clone(),
                    heading_range: heading.text_range,
                    range,
                });
                SectionKind::Step(runbook.steps.len() - 1)
            }
            HeadingKind::Plain => SectionKind::Plain,
        };
        runbook.sections.push(Section { heading: index, level: heading.level, range, parent, kind });
        open.push(section);
    }
    runbook
}

fn first_after<T>(items: &[T], offset: usize, start: impl Fn(&T) -> usize) -> usize {
    let index = items.partition_point(|item| start(item) <= offset);
    items.get(index).map_or(usize::MAX, start)
}

/// Lower-case words joined by hyphens, at least two of them: `node-stripe-replay`.
pub fn is_slug(text: &str) -> bool {
    let mut parts = text.split('-');
    let Some(family) = parts.next() else { return false };
    let family_ok = family.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && family.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let mut n_rest = 0;
    for part in parts {
        if part.is_empty() || !part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return false;
        }
        n_rest += 1;
    }
    family_ok && n_rest > 0
}

/// The first run of letters in `range`, skipping leading markup (`**`, `` ` ``).
fn first_word(text: &str, range: TextRange) -> Option<Word> {
    let slice = &text[range.as_range()];
    let start = slice.find(|c: char| c.is_alphanumeric())?;
    let rest = &slice[start..];
    let len = rest.find(|c: char| !c.is_alphanumeric() && c != '_').unwrap_or(rest.len());
    let range = TextRange::new(range.start + start, range.start + start + len);
    Some(Word { text: Arc::from(&text[range.as_range()]), range })
}

struct NumberedHeading {
    number: u32,
    title: Arc<str>,
    safety: Option<Word>,
}

/// `Action <n>[:.-] <title> [(<SAFETY>[ - note])]`, and the same for `Step`.
fn parse_numbered_heading(text: &str, heading: &Heading, keyword: &str) -> Option<NumberedHeading> {
    let heading_text = &heading.text;
    let head = heading_text.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = &heading_text[keyword.len()..];
    let after_keyword = rest.trim_start();
    if after_keyword.len() == rest.len() {
        return None; // `Actions`, `Actionable`: not `Action <n>`.
    }
    let digits = after_keyword.len() - after_keyword.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let number = after_keyword[..digits].parse().ok()?;
    let after_number = &after_keyword[digits..];
    let title = after_number.trim_start();
    let title = title.strip_prefix([':', '.', '-', '–', '—']).unwrap_or(title);
    if !after_number.is_empty() && title.len() == after_number.len() && !after_number.starts_with(char::is_whitespace) {
        return None; // `Action 1b`: not a number followed by a title.
    }
    let lead = title.len() - title.trim_start().len();
    let title_start = heading.text_range.start + heading_text.len() - title.len() + lead;
    let title_text = title.trim();
    let mut title = title_text;
    let mut safety = None;
    if title_text.ends_with(')')
        && let Some(open) = matching_open_paren(title_text)
    {
        let inner = TextRange::new(title_start + open + 1, title_start + title_text.len() - 1);
        let inner_text = text[inner.as_range()].trim();
        let word = first_word(text, inner).filter(|word| is_safety_candidate(word, inner_text));
        if word.is_some() {
            title = title_text[..open].trim_end();
        }
        safety = word;
    }
    Some(NumberedHeading { number, title: Arc::from(title), safety })
}

/// Whether the first word of a heading's parenthetical is meant as a safety
/// class: it is one, or it is close to one and written like one (in capitals,
/// or alone, or before ` - note`). `(Save to S3)` is a title, `(REVERSABLE)` a typo.
fn is_safety_candidate(word: &Word, parenthetical: &str) -> bool {
    if word.safety_class().is_some() {
        return true;
    }
    if SafetyClass::closest(&word.text).is_none() {
        return false;
    }
    let after = parenthetical[word.text.len().min(parenthetical.len())..].trim_start();
    let is_upper = word.text.chars().all(|c| !c.is_lowercase());
    is_upper || after.is_empty() || after.starts_with(['-', '–', '—', ':', ','])
}

fn matching_open_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(offset);
                }
            }
            _ => {}
        }
    }
    None
}
