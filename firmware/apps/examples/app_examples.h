// app_examples.h - the example apps as compiled eBPF objects.
//
// The objects are built from firmware/apps/examples/*.c by meson (clang
// -target bpf) and embedded by embed_objects.py, so tests and benchmarks
// need no files at run time. Names: "checksum", "checksum_v1",
// "scan_filter", "btree_lookup".
#ifndef SALIX_APPS_EXAMPLES_APP_EXAMPLES_H
#define SALIX_APPS_EXAMPLES_APP_EXAMPLES_H

#include <cstdint>
#include <span>
#include <string_view>

namespace salix::apps::examples {

// The ELF object of example 'name'; empty if there is none.
std::span<const uint8_t> ExampleObject(std::string_view name);

}  // namespace salix::apps::examples

#endif  // SALIX_APPS_EXAMPLES_APP_EXAMPLES_H
