; extends
;
; runbook-ls highlights for Neovim (markdown_inline). `; extends` appends them to the
; built-in or nvim-treesitter queries. `#match?` takes a Vim regex here; "\\v" makes it
; very magic so it reads like the Helix file (../markdown.inline/highlights.scm), which
; must mark the same things. Tests: tests/editors/check-queries.sh.

; KEY slug: a code span whose whole text is `node-…`, `next-…` or `jupyter-…`
; (lowercase words joined by single hyphens). Beats the code span's @markup.raw.
((code_span) @module
  (#match? @module "\\v^`+((node|next|jupyter)-[a-z0-9]+(-[a-z0-9]+)*|( (node|next|jupyter)-[a-z0-9]+(-[a-z0-9]+)* ))`+$")
  (#set! priority 110))

; A safety class written as a node of its own: `SAFE`, **SAFE** or __SAFE__.
(([(code_span) (strong_emphasis)] @diff.plus
  (#match? @diff.plus "\\v^(`+ ?|\\*\\*|__)SAFE( ?`+|\\*\\*|__)$"))
  (#set! priority 110))

(([(code_span) (strong_emphasis)] @diff.delta
  (#match? @diff.delta "\\v^(`+ ?|\\*\\*|__)REVERSIBLE( ?`+|\\*\\*|__)$"))
  (#set! priority 110))

(([(code_span) (strong_emphasis)] @diff.minus
  (#match? @diff.minus "\\v^(`+ ?|\\*\\*|__)IRREVERSIBLE( ?`+|\\*\\*|__)$"))
  (#set! priority 110))

; Plain words are not nodes in markdown_inline, so a class in a heading's parenthetical or
; after **Safety**: cannot be captured alone. The whole text of the Action heading or of
; the Safety field is marked instead ("Action 4: Disable Endpoint (IRREVERSIBLE - note)");
; the server's semantic tokens mark the word itself.
((inline) @diff.plus
  (#match? @diff.plus "\\v^\\s*Action \\d+[:.-] .*\\(SAFE( - [^)]*)?\\)\\s*$"))

((inline) @diff.delta
  (#match? @diff.delta "\\v^\\s*Action \\d+[:.-] .*\\(REVERSIBLE( - [^)]*)?\\)\\s*$"))

((inline) @diff.minus
  (#match? @diff.minus "\\v^\\s*Action \\d+[:.-] .*\\(IRREVERSIBLE( - [^)]*)?\\)\\s*$"))

((inline) @diff.plus
  (#match? @diff.plus "\\v^(\\*\\*(Safety|SAFETY|safety)\\*\\*:|\\*\\*(Safety|SAFETY|safety):\\*\\*)\\s*SAFE>"))

((inline) @diff.delta
  (#match? @diff.delta "\\v^(\\*\\*(Safety|SAFETY|safety)\\*\\*:|\\*\\*(Safety|SAFETY|safety):\\*\\*)\\s*REVERSIBLE>"))

((inline) @diff.minus
  (#match? @diff.minus "\\v^(\\*\\*(Safety|SAFETY|safety)\\*\\*:|\\*\\*(Safety|SAFETY|safety):\\*\\*)\\s*IRREVERSIBLE>"))
