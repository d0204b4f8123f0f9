#include "shared.hpp"

int first() {
  add_shared(1);
  return load(&shared_total);
}
