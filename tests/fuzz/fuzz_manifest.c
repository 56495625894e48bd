/*
 * libFuzzer target for the manifest loader: parse, cross-manifest checks,
 * lint and diagnostic rendering over arbitrary bytes. Everything is freed,
 * so LeakSanitizer reports any leak as a crash. The input is also read
 * twice through one reader, as a directory's files are: the second reading
 * must say what the first said (nothing of a file reaches the next), else
 * the target aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads data twice with one reader; aborts when the readings differ. */
static void
read_twice(const uint8_t *data, size_t size)
{
	struct ag_manifest_reader *r = ag_manifest_reader_new();
	struct ag_manifest_set set[2];
	struct ag_diags diags[2];
	size_t i, k;
	int rc[2];

	for (k = 0; k < 2; k++) {
		ag_manifest_set_init(&set[k]);
		ag_diags_init(&diags[k]);
		rc[k] = ag_manifest_reader_parse(
		    r, &set[k], &diags[k], (const char *)data, size, "fuzz.yaml");
	}
	if (rc[0] != rc[1] || set[0].n != set[1].n || diags[0].n != diags[1].n)
		abort();
	for (i = 0; i < diags[0].n; i++) {
		char *a = ag_diag_format(&diags[0].v[i]), *b = ag_diag_format(&diags[1].v[i]);

		if (strcmp(a, b) != 0)
			abort();
		free(a);
		free(b);
	}
	for (k = 0; k < 2; k++) {
		ag_manifest_set_release(&set[k]);
		ag_diags_release(&diags[k]);
	}
	ag_manifest_reader_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_manifest_set set;
	struct ag_diags diags;
	size_t i;

	ag_manifest_set_init(&set);
	ag_diags_init(&diags);
	ag_manifest_parse(&set, &diags, (const char *)data, size, "fuzz.yaml");
	ag_manifest_set_check(&set, &diags);
	ag_manifest_lint(&set, &diags);
	ag_diags_sort(&diags);
	for (i = 0; i < diags.n; i++)
		free(ag_diag_format(&diags.v[i]));
	for (i = 0; i < set.n; i++)
		(void)ag_manifest_set_find(&set, set.v[i].cluster_id ? set.v[i].cluster_id : "");
	ag_manifest_set_release(&set);
	ag_diags_release(&diags);
	read_twice(data, size);
	return 0;
}
