" credo policies and their tests
autocmd BufRead,BufNewFile *.credo setfiletype credo
