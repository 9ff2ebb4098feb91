#include <stdint.h>
#include <string.h>

#include "console/base64.h"
#include "console/err.h"
#include "console/banned.h"

static const char std_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int encode(buf_t *out, const unsigned char *p, size_t len,
		  const char *alphabet, int pad)
{
	buf_grow(out, (len + 2) / 3 * 4);
	char quad[4];
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t n = len - i;
		if (n > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (n > 2)
			v |= p[i + 2];
		quad[0] = alphabet[(v >> 18) & 63];
		quad[1] = alphabet[(v >> 12) & 63];
		quad[2] = n > 1 ? alphabet[(v >> 6) & 63] : '=';
		quad[3] = n > 2 ? alphabet[v & 63] : '=';
		size_t w = 4;
		if (!pad && n < 3)
			w = n + 1;
		int rc = buf_add(out, quad, w);
		if (rc)
			return rc;
	}
	return 0;
}

int base64_encode(buf_t *out, const void *data, size_t len)
{
	return encode(out, data, len, std_alphabet, 1);
}

int base64url_encode(buf_t *out, const void *data, size_t len)
{
	return encode(out, data, len, url_alphabet, 0);
}

static int value_of(char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

static int decode(buf_t *out, const char *text, size_t len, int url)
{
	while (len && text[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -ERR_INVALID;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = value_of(text[i], url);
		if (v < 0)
			return -ERR_INVALID;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			int rc = buf_addch(out, (char)((acc >> bits) & 0xff));
			if (rc)
				return rc;
		}
	}
	return 0;
}

int base64_decode(buf_t *out, const char *text, size_t len)
{
	return decode(out, text, len, 0);
}

int base64url_decode(buf_t *out, const char *text, size_t len)
{
	return decode(out, text, len, 1);
}
