/*
 * exposition — reading a Prometheus text exposition (GET /metrics) in the
 * tests: the value of one series, and series that occur twice (which
 * Prometheus refuses, and which `promtool check metrics` does not report).
 */
#ifndef CONSOLE_TEST_EXPOSITION_H
#define CONSOLE_TEST_EXPOSITION_H

/* The value of the sample line whose name and labels are exactly series
 * ("name{a=\"b\"}", as rendered); -1 when there is none. */
double expo_value(const char *text, const char *series);

/* How many sample lines repeat the name and labels of an earlier one (each
 * printed to stderr). */
int expo_duplicates(const char *text);

#endif
