// Does not parse: weft-instrument must report the error, exit non-zero and write nothing.
int g;
int broken() {
  return g +;
}
