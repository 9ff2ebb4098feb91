/*
 * array — the number of elements of an array, as git's ARRAY_SIZE: a
 * compile error when given a pointer (whose sizeof would silently be the
 * wrong count).
 *
 *     for (size_t i = 0; i < ARRAY_SIZE(types); i++)
 */
#ifndef CONSOLE_ARRAY_H
#define CONSOLE_ARRAY_H

/* 0, or a negative bit-field width (an error) when a is a pointer. */
#define ARRAY_BARF_IF_POINTER(a)                                                             \
	(0 * sizeof(struct {                                                                  \
		int is_an_array : 1 - 2 * __builtin_types_compatible_p(__typeof__(a),       \
									 __typeof__(&(a)[0])); \
	}))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + ARRAY_BARF_IF_POINTER(a))

#endif
