#include <stdint.h>

#include "console/base32.h"
#include "console/err.h"
#include "console/banned.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_encode(buf_t *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	buf_grow(out, (len + 4) / 5 * 8);
	/* Five bytes (40 bits) make eight characters of five bits; a short last
	 * group yields ceil(bits / 5) characters and '=' for the rest. */
	for (size_t i = 0; i < len; i += 5) {
		size_t n = len - i < 5 ? len - i : 5;
		uint64_t v = 0;
		for (size_t k = 0; k < 5; k++)
			v = (v << 8) | (k < n ? p[i + k] : 0);
		size_t used = (n * 8 + 4) / 5;
		char group[8];
		for (size_t k = 0; k < 8; k++)
			group[k] = k < used ? alphabet[(v >> (35 - 5 * k)) & 31] : '=';
		int rc = buf_add(out, group, sizeof(group));
		if (rc)
			return rc;
	}
	return 0;
}
