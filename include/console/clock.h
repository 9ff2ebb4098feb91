/*
 * clock — milliseconds, the one way the code base reads the time of day or
 * measures an interval.
 */
#ifndef CONSOLE_CLOCK_H
#define CONSOLE_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: for timeouts, windows and intervals
 * (never goes back, means nothing across processes of different boots). */
int64_t clock_mono_ms(void);

/* Milliseconds since the epoch (CLOCK_REALTIME): for times stored or shown. */
int64_t clock_wall_ms(void);

#endif
