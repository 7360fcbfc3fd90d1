/* device_path.h - UEFI device paths (UEFI 2.10 §10.3) as text, the way
 * trustee's eventlog crate (V26) prints them in
 * uefi_event_logs[].details.device_paths: one string per node, e.g.
 * "ACPI(PNP0A03,0)", "Pci(0,1)", "HD(1,GPT,<GUID>,0x800,0x100000)",
 * "VenMedia(<GUID>,<hex>)", "File(kernel)"; nodes it does not know (or
 * cannot read) as "Path(<type>,<subtype>,<hex of the node data>)".
 *
 * Owns the node walk of a UEFI_IMAGE_LOAD_EVENT's device path and the
 * rendering of each node. */
#ifndef AS_VERIFIER_TDX_DEVICE_PATH_H
#define AS_VERIFIER_TDX_DEVICE_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "value/value.h"

/* Walks the nodes of p[0..n) (the device path without its final 4-byte End
 * node, as trustee cuts it) into an array of strings.  -1 with *why set
 * when a node header is truncated, shorter than 4 bytes or longer than
 * what is left, or on out of memory (*why = NULL). */
int uefi_device_paths(struct arena *a, const uint8_t *p, size_t n, struct value **out,
                      const char **why);

#endif
