//! The first step of lowering: what one parsed text says on its own
//! (headings, field openers, code spans, code blocks with their imports,
//! suppression comments), collected from its tree-sitter-md trees with
//! offsets relative to that text.

use std::sync::Arc;

use tree_sitter::Node;

use super::{next_line_start, trim, trim_end};
use crate::markdown::{MarkdownTrees, starts_line};
use crate::model::*;
use crate::typescript::{self, Dialect};
use crate::{TextRange, line_end};

/// What one parsed text says, with offsets relative to its start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    pub(super) headings: Vec<Heading>,
    pub(super) fields: Vec<RawField>,
    pub(super) code_spans: Vec<CodeSpan>,
    pub(super) code_blocks: Vec<CodeBlock>,
    pub(super) imports: Vec<Import>,
    pub(super) calls: Vec<Call>,
    pub(super) thematic_breaks: Vec<usize>,
    pub(super) suppressions: Vec<Suppression>,
    pub(super) ends_open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawField {
    pub(super) label: Option<FieldLabel>,
    pub(super) label_range: TextRange,
    pub(super) container: FieldContainer,
    /// Where the field's block starts: the list item's marker or the paragraph.
    pub(super) block_start: usize,
    /// Start of the strong label.
    pub(super) start: usize,
    /// After the colon and following blanks.
    pub(super) value_start: usize,
    /// End of the colon: where an empty value sits.
    pub(super) colon_end: usize,
    /// The end of the block that contains the field (its list item, or the
    /// container of its paragraph); `usize::MAX` at the top level.
    pub(super) container_end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CodeSpan {
    /// The text between the backticks, without the one padding space CommonMark strips.
    pub(super) content: Arc<str>,
    pub(super) content_range: TextRange,
    pub(super) span_range: TextRange,
}

impl Facts {
    /// Collects the facts of `text`, parsed into `tree`.
    pub fn collect(text: &str, tree: &MarkdownTrees) -> Facts {
        let mut facts = Facts::default();
        let mut collector = Collector { text, tree, facts: &mut facts };
        collector.block(tree.block_tree().root_node(), usize::MAX);
        facts.ends_open = ends_open(text, tree);
        facts
    }
}

/// Whether the last block of a parsed text is a fence or an HTML block that
/// its text does not close.
fn ends_open(text: &str, tree: &MarkdownTrees) -> bool {
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
    // The first ten bytes or so, to the end of the character the tenth is
    // in: cutting inside one (`<!-- ⚠️ …`) read the line as no HTML at all.
    let mut head = 10.min(line.len());
    while !line.is_char_boundary(head) {
        head += 1;
    }
    let lower = line[..head].to_ascii_lowercase();
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
    tree: &'a MarkdownTrees,
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
        self.facts.headings.push(Heading { level, range, text_range });
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
        if let Some(strong) = self.tree.leading_strong(&inline) {
            self.field_opener(strong.into(), container, block_start, container_end);
        }
        let labels: Vec<TextRange> = if let Some(scanned) = self.tree.scanned(&inline) {
            scanned.labels.iter().map(|label| label.clone().into()).collect()
        } else if let Some(tree) = self.tree.inline_tree(&inline) {
            let root = tree.root_node();
            let mut cursor = root.walk();
            root.named_children(&mut cursor)
                .filter(|strong| strong.kind() == "strong_emphasis")
                .filter(|strong| {
                    strong.start_byte() == inline.start_byte() || starts_line(self.text, strong.start_byte())
                })
                .map(|strong| strong.byte_range().into())
                .collect()
        } else {
            return;
        };
        for label in labels {
            let block_start = if label.start == inline.start_byte() { block_start } else { label.start };
            self.field_opener(label, container, block_start, container_end);
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
        self.facts.fields.push(RawField {
            label: FieldLabel::parse(&self.text[label_range.as_range()]),
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
        if let Some(scanned) = self.tree.scanned(&inline) {
            for span in &scanned.code_spans {
                self.push_code_span(span.span.clone().into(), span.content.clone().into());
            }
            for comment in &scanned.comments {
                self.comment(comment.clone().into());
            }
            return;
        }
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
        self.push_code_span(span_range, TextRange::new(opening.end_byte(), closing.start_byte()));
    }

    /// A code span from its range and the range between its backtick strings.
    fn push_code_span(&mut self, span_range: TextRange, mut content_range: TextRange) {
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
        if let (Some(dialect), false) = (dialect, content_range.is_empty()) {
            typescript::scan_block(
                self.text,
                &script_ranges,
                dialect,
                index,
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

fn is_comment_line(line: &str) -> bool {
    line.starts_with("//") || line.starts_with("/*") || line.starts_with('*') || line.starts_with('#')
}

fn has_child_kind(node: Node<'_>, kind: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor).any(|child| child.kind() == kind)
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::markdown::{self, Inlines};

    #[test]
    fn what_starts_a_line() {
        let text = "a **b**\n  > **c**\r**d** x\t**e**";
        let at = |needle: &str| text.find(needle).unwrap();
        assert!(starts_line(text, 0));
        assert!(!starts_line(text, at("**b")));
        assert!(starts_line(text, at("**c")));
        assert!(starts_line(text, at("**d")));
        assert!(!starts_line(text, at("**e")));
    }

    /// Lowering one paragraph must cost the same per strong span however
    /// long the paragraph is: asking whether each span starts a line by
    /// scanning back to the line's start made `check` of a 600 KB paragraph
    /// of `` word `x` **b** `` take 10 s. Sixteen paragraphs of n units are
    /// timed against one of 16n: linear work takes as long for both, the old
    /// quadratic work 16 times as long for the long one; 4 leaves room for a
    /// busy machine without letting that through.
    #[test]
    fn lowering_one_long_paragraph_scales_linearly() {
        let paragraph = |n_units: usize| format!("# Notes\n\n{}\n", "word `x` **b** ".repeat(n_units));
        let (short, long) = (paragraph(250), paragraph(16 * 250));
        let short_trees = markdown::parse(&short, None, Inlines::ModelOnly);
        let long_trees = markdown::parse(&long, None, Inlines::ModelOnly);
        let lower = |text: &str, trees, times| {
            let start = Instant::now();
            for _ in 0..times {
                let facts = Facts::collect(text, trees);
                assert_eq!(facts.code_spans.len(), text.matches('`').count() / 2);
            }
            start.elapsed()
        };
        // Interleaved and the fastest of five, so that a burst of load on a
        // shared machine hits both alike.
        let (mut short_time, mut long_time) = (Duration::MAX, Duration::MAX);
        for _ in 0..5 {
            short_time = short_time.min(lower(&short, &short_trees, 16));
            long_time = long_time.min(lower(&long, &long_trees, 1));
        }
        let ratio = long_time.as_secs_f64() / short_time.as_secs_f64();
        assert!(ratio < 4.0, "one 16 times longer paragraph took {ratio:.1} times as long as 16 short ones");
    }
}
