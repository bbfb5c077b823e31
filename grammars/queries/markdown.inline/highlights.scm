; runbook-ls highlights for Helix (markdown.inline). Helix reads one highlights.scm per
; language, so this file replaces the built-in one: the runbook patterns come first
; (Helix gives a node the first pattern that matches it) and the usual inline markdown
; highlights follow. `#match?` takes a Rust regex here. Keep in step with the Neovim file
; (../markdown_inline/highlights.scm), which must mark the same things.
; Tests: tests/editors/check-queries.sh.

; KEY slug: a code span whose whole text is `node-…`, `next-…` or `jupyter-…`
; (lowercase words joined by single hyphens).
((code_span) @namespace
  (#match? @namespace "^`+((node|next|jupyter)-[a-z0-9]+(-[a-z0-9]+)*|( (node|next|jupyter)-[a-z0-9]+(-[a-z0-9]+)* ))`+$"))

; A safety class written as a node of its own: `SAFE`, **SAFE** or __SAFE__.
([(code_span) (strong_emphasis)] @diff.plus
  (#match? @diff.plus "^(`+ ?|\\*\\*|__)SAFE( ?`+|\\*\\*|__)$"))

([(code_span) (strong_emphasis)] @diff.delta
  (#match? @diff.delta "^(`+ ?|\\*\\*|__)REVERSIBLE( ?`+|\\*\\*|__)$"))

([(code_span) (strong_emphasis)] @diff.minus
  (#match? @diff.minus "^(`+ ?|\\*\\*|__)IRREVERSIBLE( ?`+|\\*\\*|__)$"))

; Plain words are not nodes in markdown.inline, so a class in a heading's parenthetical or
; after **Safety**: cannot be captured alone. The whole text of the Action heading or of
; the Safety field is marked instead ("Action 4: Disable Endpoint (IRREVERSIBLE - note)");
; the server's semantic tokens mark the word itself.
((inline) @diff.plus
  (#match? @diff.plus "^\\s*Action \\d+[:.-] .*\\(SAFE( - [^)]*)?\\)\\s*$"))

((inline) @diff.delta
  (#match? @diff.delta "^\\s*Action \\d+[:.-] .*\\(REVERSIBLE( - [^)]*)?\\)\\s*$"))

((inline) @diff.minus
  (#match? @diff.minus "^\\s*Action \\d+[:.-] .*\\(IRREVERSIBLE( - [^)]*)?\\)\\s*$"))

((inline) @diff.plus
  (#match? @diff.plus "^(\\*\\*(Safety|SAFETY|safety)\\*\\*:|\\*\\*(Safety|SAFETY|safety):\\*\\*)\\s*SAFE\\b"))

((inline) @diff.delta
  (#match? @diff.delta "^(\\*\\*(Safety|SAFETY|safety)\\*\\*:|\\*\\*(Safety|SAFETY|safety):\\*\\*)\\s*REVERSIBLE\\b"))

((inline) @diff.minus
  (#match? @diff.minus "^(\\*\\*(Safety|SAFETY|safety)\\*\\*:|\\*\\*(Safety|SAFETY|safety):\\*\\*)\\s*IRREVERSIBLE\\b"))

; The usual inline markdown highlights, restated because this file replaces Helix's own.

(code_span) @markup.raw.inline
(link_title) @markup.raw.inline

(code_span_delimiter) @punctuation.bracket
(emphasis_delimiter) @punctuation.bracket

(emphasis) @markup.italic
(strong_emphasis) @markup.bold
(strikethrough) @markup.strikethrough

(link_destination) @markup.link.url
(uri_autolink) @markup.link.url
(link_text) @markup.link.text
(image_description) @markup.link.text
(link_label) @markup.link.label

(backslash_escape) @constant.character.escape
(hard_line_break) @constant.character.escape

(image "!" @punctuation.special)
(image ["[" "]" "(" ")"] @punctuation.bracket)
(inline_link ["[" "]" "(" ")"] @punctuation.bracket)
(shortcut_link ["[" "]"] @punctuation.bracket)
