// libsalix-fw.so, as the QEMU device loads it: dlopen works (no undefined
// symbols), every C ABI function is exported, and nothing else is.
#include <dlfcn.h>
#include <salix/salix.h>

#include "test_util.h"

namespace salix::test {

TEST_CASE("libsalix-fw.so exports the C ABI and only the C ABI") {
  void* so = dlopen(SALIX_FW_SO, RTLD_NOW | RTLD_LOCAL);
  INFO(SALIX_FW_SO << ": " << (so ? "" : dlerror()));
  REQUIRE(so != nullptr);
  for (const char* fn :
       {"salix_config_new", "salix_config_free", "salix_config_set",
        "salix_config_describe", "salix_ctrl_new", "salix_ctrl_free",
        "salix_ctrl_bar0_size", "salix_ctrl_msix_vectors",
        "salix_ctrl_mmio_read", "salix_ctrl_mmio_write", "salix_ctrl_run",
        "salix_ctrl_has_work", "salix_ctrl_reset", "salix_ctrl_set_log",
        "salix_version", "salix_abi_version", "salix_free_string"}) {
    INFO(fn);
    CHECK(dlsym(so, fn) != nullptr);
  }
  // Firmware internals stay hidden (salix::Status::ToString, a C++ symbol).
  CHECK(dlsym(so, "_ZNK5salix6Status8ToStringB5cxx11Ev") == nullptr);
  auto abi = reinterpret_cast<uint32_t (*)()>(dlsym(so, "salix_abi_version"));
  REQUIRE(abi != nullptr);
  CHECK(abi() == SALIX_ABI_VERSION);
  dlclose(so);
}

}  // namespace salix::test
