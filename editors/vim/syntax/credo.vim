" Vim syntax file
" Language: credo, the credit-policy language (lang/README.md)
if exists('b:current_syntax')
  finish
endif

syn keyword credoItem       policy input const let fn admission scorecard segment table decide lookup
syn keyword credoOutcome    reject refer approve
syn keyword credoControl    when otherwise if then else for where count any all as
syn keyword credoOperWord   and or not in matches is has
syn keyword credoConstant   null true false today
syn keyword credoType       int number money rate bool text date list of
syn keyword credoAttribute  version effective owner base reasons hit first unique collect from csv sqlite key min_rows sha256
syn keyword credoTestWord   as_of fixture test given expect cases

syn match   credoComment    "#.*$" contains=@Spell
syn region  credoString     start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=credoEscape
syn match   credoEscape     +\\\(["\\/bfnrt]\|u\x\{4}\)+ contained
syn match   credoNumber     "\<\d[0-9_]*\(\.\d[0-9_]*\)\=\([eE][+-]\=\d\+\)\=\>"
" a date after numbers: of two matches at one place, Vim takes the later one
syn match   credoDate       "\<\d\{4}-\d\{2}-\d\{2}\>"
" A pattern stands after matches, =, (, [, { or a comma; elsewhere / divides.
syn match   credoRegex      +\(\<matches\s*\|[=(\[{,]\s*\)\@<=/\(\\.\|[^/\\]\)\+/+
syn match   credoFunction   "\<\l\w*\ze\s*("
syn match   credoCode       "\<\u[A-Z0-9_]*\>"
syn match   credoOperator   "==\|!=\|<=\|>=\|->\|??\|\.\.\|[<>+*%=|?-]"

hi def link credoItem       Structure
hi def link credoOutcome    Statement
hi def link credoControl    Conditional
hi def link credoOperWord   Operator
hi def link credoConstant   Constant
hi def link credoType       Type
hi def link credoAttribute  Keyword
hi def link credoTestWord   Keyword
hi def link credoComment    Comment
hi def link credoString     String
hi def link credoEscape     SpecialChar
hi def link credoDate       Constant
hi def link credoNumber     Number
hi def link credoRegex      String
hi def link credoFunction   Function
hi def link credoCode       Identifier
hi def link credoOperator   Operator

let b:current_syntax = 'credo'
