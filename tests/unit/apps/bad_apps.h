// bad_apps.h - eBPF objects the loader refuses (or must be told which
// section to take), compiled from tests/unit/apps/bad_apps/*.c by meson.
// Names: "writable_global", "local_call", "memcpy_call", "two_programs".
#ifndef SALIX_TESTS_UNIT_APPS_BAD_APPS_H
#define SALIX_TESTS_UNIT_APPS_BAD_APPS_H

#include <cstdint>
#include <span>
#include <string_view>

namespace salix::apps::examples {

std::span<const uint8_t> BadObject(std::string_view name);

}  // namespace salix::apps::examples

#endif  // SALIX_TESTS_UNIT_APPS_BAD_APPS_H
