/*
 * plandiff — the field-level difference between what deployd runs and what
 * a call would send it: the "changes" of a dry run's plan (issue 13). Pure
 * (unit-tested).
 *
 * to is what would be sent (a PodGroupSpec; a portal's PodSpec as
 * {"Pod": PodSpec}), from deployd's Spec of the same thing (NULL when it
 * does not exist). Only the keys of to are looked at: deployd's own
 * (Version, CreateAt, UpdateAt, PrevState, a container's Name, ...) are
 * not differences. Objects are compared key by key, arrays of objects of
 * the same length (or against nothing) element by element, any other
 * array as one value; a key
 * missing on one side counts as null, and a null sent is what deployd (Go)
 * gives back as a struct's zero value ({"Type": "", "Config": null} for a
 * LogConfig of null). Each differing value is one change
 *
 *     {"path": "Pod.Containers[0].Image", "from": <from's, or null>, "to": <to's>}
 *
 * in to's key order.
 */
#ifndef CONSOLE_PLANDIFF_H
#define CONSOLE_PLANDIFF_H

struct json_object;

/* The changes from from to to: a new array (empty when nothing differs). */
struct json_object *plandiff(struct json_object *from, struct json_object *to);

#endif
