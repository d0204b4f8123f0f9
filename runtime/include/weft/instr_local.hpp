// weft/instr_local.hpp — thread_local variables under weft::explore: the accessor that
// weft-instrument puts around each use of one, in the instrumented copy.
//
// A controlled run executes every goroutine (every std::thread) on one OS thread, so a
// thread_local would be one variable shared by all of them. weft-instrument rewrites each
// use `x` of a thread_local declared in the user's code into `goroutine_local(x)`, which under
// a controlled run is the running goroutine's own copy of x: made on its first use by that
// goroutine, from the OS thread's x (which instrumented code never changes under a run, so it
// holds x's initial value), and destroyed when the goroutine ends (or its iteration does).
// Outside a controlled run it is x itself. A type that cannot be copied gets a
// value-initialised copy instead; one that cannot be made either stays shared.
#pragma once

#include <new>
#include <type_traits>

namespace weft::instr {

namespace detail {

using MakeLocal = void* (*)(const void* original);
using DestroyLocal = void (*)(void* copy);
// The running goroutine's copy of the thread_local at `original`, made with `make` on its
// first use (and later destroyed with `destroy`); null outside a controlled run.
void* goroutine_local_slot(const void* original, MakeLocal make, DestroyLocal destroy);

template <class T>
void* make_local(const void* original) {
  if constexpr (std::is_copy_constructible_v<T>)
    return new T(*static_cast<const T*>(original));
  else
    return new T();
}
template <class T>
void destroy_local(void* copy) {
  delete static_cast<T*>(copy);
}

}  // namespace detail

template <class T>
T& goroutine_local(T& x) {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_array_v<U> ||
                !(std::is_copy_constructible_v<U> || std::is_default_constructible_v<U>)) {
    return x;
  } else {
    void* own = detail::goroutine_local_slot(static_cast<const void*>(&x), &detail::make_local<U>,
                                             &detail::destroy_local<U>);
    return own != nullptr ? *static_cast<T*>(own) : x;
  }
}

}  // namespace weft::instr
