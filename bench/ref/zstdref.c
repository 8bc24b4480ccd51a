/*
 * zstdref: the reference for gatehouse's zstd-stream benchmark.
 *
 * Reads length-prefixed messages on stdin (each a 4-byte little-endian
 * length, then that many bytes), compresses them on ONE libzstd context the
 * way a zstd-stream connection does (ZSTD_compressStream2 with ZSTD_e_flush
 * after every message, the frame never ended), decodes every message again
 * with a libzstd decoder to prove it, and prints one JSON object with the
 * totals. libzstd here is the system library (Debian's libzstd-dev), so the
 * figures are what the reference C implementation gives on this corpus.
 *
 * Usage: zstdref [-level N] [-wlog N] [-hlog N] [-clog N] [-state-after N] [-sizes]
 * Defaults are Discord's production settings: level 6, windowLog 18,
 * hashLog 16, chainLog 16. Exit status is non-zero on any error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

static void die(const char *what, const char *detail) {
	fprintf(stderr, "zstdref: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static void check(size_t rc, const char *what) {
	if (ZSTD_isError(rc)) die(what, ZSTD_getErrorName(rc));
}

static void *xrealloc(void *p, size_t n) {
	p = realloc(p, n ? n : 1);
	if (!p) die("out of memory", NULL);
	return p;
}

/* read_all reads stdin to the end. */
static unsigned char *read_all(size_t *len) {
	size_t cap = 1 << 20, n = 0;
	unsigned char *buf = xrealloc(NULL, cap);
	for (;;) {
		if (n == cap) buf = xrealloc(buf, cap *= 2);
		size_t r = fread(buf + n, 1, cap - n, stdin);
		if (r == 0) break;
		n += r;
	}
	if (ferror(stdin)) die("reading stdin", NULL);
	*len = n;
	return buf;
}

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv) {
	int level = 6, wlog = 18, hlog = 16, clog = 16, sizes = 0;
	long state_after = 100;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-sizes")) { sizes = 1; continue; }
		if (i + 1 >= argc) die("missing value for", argv[i]);
		long v = strtol(argv[i + 1], NULL, 10);
		if (!strcmp(argv[i], "-level")) level = (int)v;
		else if (!strcmp(argv[i], "-wlog")) wlog = (int)v;
		else if (!strcmp(argv[i], "-hlog")) hlog = (int)v;
		else if (!strcmp(argv[i], "-clog")) clog = (int)v;
		else if (!strcmp(argv[i], "-state-after")) state_after = v;
		else die("unknown flag", argv[i]);
		i++;
	}

	size_t in_len;
	unsigned char *in = read_all(&in_len);

	/* Split the input into messages. */
	size_t count = 0, cap = 1024;
	size_t *off = xrealloc(NULL, cap * sizeof *off), *len = xrealloc(NULL, cap * sizeof *len);
	for (size_t p = 0; p < in_len;) {
		if (in_len - p < 4) die("truncated length prefix", NULL);
		size_t n = (size_t)in[p] | (size_t)in[p + 1] << 8 | (size_t)in[p + 2] << 16 | (size_t)in[p + 3] << 24;
		p += 4;
		if (n > in_len - p) die("truncated message", NULL);
		if (count == cap) {
			cap *= 2;
			off = xrealloc(off, cap * sizeof *off);
			len = xrealloc(len, cap * sizeof *len);
		}
		off[count] = p;
		len[count] = n;
		count++;
		p += n;
	}

	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	if (!cctx || !dctx) die("creating contexts", NULL);
	check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level), "level");
	check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, wlog), "windowLog");
	check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, hlog), "hashLog");
	check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_chainLog, clog), "chainLog");
	check(ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31), "windowLogMax");

	size_t out_cap = 1 << 16, dec_cap = 1 << 16;
	unsigned char *out = xrealloc(NULL, out_cap), *dec = xrealloc(NULL, dec_cap);
	int64_t *ns = xrealloc(NULL, (count ? count : 1) * sizeof *ns);
	size_t *csize = xrealloc(NULL, (count ? count : 1) * sizeof *csize);
	uint64_t total_out = 0, total_in = 0;
	int64_t total_ns = 0;
	size_t state_bytes = 0;

	for (size_t i = 0; i < count; i++) {
		size_t need = ZSTD_compressBound(len[i]) + 64;
		if (out_cap < need) out = xrealloc(out, out_cap = need);
		ZSTD_inBuffer src = {in + off[i], len[i], 0};
		ZSTD_outBuffer dst = {out, out_cap, 0};
		int64_t t0 = now_ns();
		size_t left;
		do { /* loop until the flush is complete */
			left = ZSTD_compressStream2(cctx, &dst, &src, ZSTD_e_flush);
			check(left, "compress");
			if (left && dst.pos == dst.size) die("output buffer full", NULL);
		} while (left != 0);
		ns[i] = now_ns() - t0;
		total_ns += ns[i];
		csize[i] = dst.pos;
		total_out += dst.pos;
		total_in += len[i];
		if ((long)(i + 1) == state_after) state_bytes = ZSTD_sizeof_CCtx(cctx);

		/* Verify: this message's bytes alone must yield the message. */
		if (dec_cap < len[i] + 1) dec = xrealloc(dec, dec_cap = len[i] + 1);
		ZSTD_inBuffer din = {out, dst.pos, 0};
		ZSTD_outBuffer dout = {dec, dec_cap, 0};
		while (din.pos < din.size) {
			check(ZSTD_decompressStream(dctx, &dout, &din), "decompress");
			if (dout.pos > len[i]) die("decoded more than the message", NULL);
		}
		if (dout.pos != len[i] || memcmp(dec, in + off[i], len[i]) != 0) {
			fprintf(stderr, "zstdref: message %zu did not decode to itself\n", i);
			return 1;
		}
	}
	if (state_after > (long)count || state_bytes == 0) state_bytes = ZSTD_sizeof_CCtx(cctx);

	int64_t *sorted = xrealloc(NULL, (count ? count : 1) * sizeof *sorted);
	memcpy(sorted, ns, count * sizeof *ns);
	qsort(sorted, count, sizeof *sorted, cmp_i64);
	int64_t median = count ? sorted[count / 2] : 0;

	printf("{\"libzstd\":\"%s\",\"level\":%d,\"window_log\":%d,\"hash_log\":%d,\"chain_log\":%d,"
	       "\"messages\":%zu,\"input_bytes\":%llu,\"output_bytes\":%llu,\"total_ns\":%lld,"
	       "\"median_ns\":%lld,\"state_bytes\":%zu,\"verified\":true",
	       ZSTD_versionString(), level, wlog, hlog, clog, count, (unsigned long long)total_in,
	       (unsigned long long)total_out, (long long)total_ns, (long long)median, state_bytes);
	if (sizes) {
		printf(",\"sizes\":[");
		for (size_t i = 0; i < count; i++) printf(i ? ",%zu" : "%zu", csize[i]);
		printf("]");
	}
	printf("}\n");

	ZSTD_freeCCtx(cctx);
	ZSTD_freeDCtx(dctx);
	free(in); free(off); free(len); free(out); free(dec); free(ns); free(csize); free(sorted);
	return 0;
}
