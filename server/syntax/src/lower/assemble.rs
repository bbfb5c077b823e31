//! The last step of lowering: the models of a document's chunks, shifted to
//! their place, joined into one `Runbook` with its sections, Actions and Steps
//! (which need the headings of the whole document).

use super::chunk_model::{ChunkModel, HeadingKind};
use super::trim_end;
use crate::TextRange;
use crate::model::*;

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
