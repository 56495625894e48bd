/*
 * libFuzzer target for the manifest loader: parse, cross-manifest checks,
 * lint and diagnostic rendering over arbitrary bytes. Everything is freed,
 * so LeakSanitizer reports any leak as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/diag.h"
#include "core/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
