// weft/weft.hpp — everything: goroutines, channels, select, explore.
#pragma once

#include "weft/chan.hpp"
#include "weft/events.hpp"
#include "weft/explore.hpp"
#include "weft/go.hpp"
#include "weft/panic.hpp"
#include "weft/select.hpp"
#include "weft/time.hpp"
