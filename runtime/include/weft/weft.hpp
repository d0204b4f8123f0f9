// weft/weft.hpp — everything: goroutines, channels, select, sync, atomics, time, context,
// explore, run.
#pragma once

#include "weft/atomic.hpp"
#include "weft/chan.hpp"
#include "weft/context.hpp"
#include "weft/events.hpp"
#include "weft/explore.hpp"
#include "weft/go.hpp"
#include "weft/panic.hpp"
#include "weft/race.hpp"
#include "weft/run.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"
#include "weft/time.hpp"
