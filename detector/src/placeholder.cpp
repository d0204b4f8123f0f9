namespace weft::det { int placeholder = 0; }
