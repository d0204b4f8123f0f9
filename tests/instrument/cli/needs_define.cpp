// Parses only with the flags of its compile_commands.json entry (-DFROM_DATABASE=1), which
// the test writes: weft-instrument -p must use them.
#ifndef FROM_DATABASE
#error "compile with -DFROM_DATABASE (weft-instrument -p should take it from compile_commands.json)"
#endif

int counter = 0;

void bump() { ++counter; }
