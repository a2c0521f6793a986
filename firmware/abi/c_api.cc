// The C ABI (include/salix/salix.h): thin wrappers that translate between C
// and the C++ firmware. Nothing thrown inside the firmware crosses this
// boundary: every entry point catches and turns failures into an error
// string or a neutral return value.
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

// Only the C ABI has default visibility; the library is built with
// -fvisibility=hidden and a version script.
#pragma GCC visibility push(default)
#include <salix/salix.h>
#pragma GCC visibility pop

#include "abi/c_platform.h"
#include "abi/controller_factory.h"
#include "abi/properties.h"
#include "core/config.h"
#include "hil/controller.h"

struct salix_config {
  salix::Config config{salix::PropertyTable()};
};

struct salix_ctrl {
  explicit salix_ctrl(const salix_platform& p) : platform(p) {}
  salix::CPlatform platform;
  std::unique_ptr<salix::Controller> controller;
};

namespace {

void SetError(char** err, const std::string& msg) {
  if (err == nullptr) return;
  *err = strdup(msg.c_str());
}

}  // namespace

extern "C" {

salix_config* salix_config_new(void) {
  try {
    return new salix_config();
  } catch (...) {
    return nullptr;
  }
}

void salix_config_free(salix_config* cfg) { delete cfg; }

bool salix_config_set(salix_config* cfg, const char* key, const char* value,
                      char** err) {
  try {
    if (cfg == nullptr || key == nullptr || value == nullptr) {
      SetError(err, "salix_config_set: NULL argument");
      return false;
    }
    if (auto e = cfg->config.Set(key, value)) {
      SetError(err, *e);
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    SetError(err, std::string("salix_config_set: ") + e.what());
    return false;
  } catch (...) {
    SetError(err, "salix_config_set: internal error");
    return false;
  }
}

bool salix_config_describe(size_t index, const char** name,
                           const char** default_value, const char** help) {
  auto table = salix::PropertyTable();
  if (index >= table.size()) return false;
  if (name != nullptr) *name = table[index].name;
  if (default_value != nullptr) *default_value = table[index].default_value;
  if (help != nullptr) *help = table[index].help;
  return true;
}

salix_ctrl* salix_ctrl_new(const salix_config* cfg,
                           const salix_platform* platform, char** err) {
  try {
    if (cfg == nullptr || platform == nullptr) {
      SetError(err, "salix_ctrl_new: NULL config or platform");
      return nullptr;
    }
    if (!platform->dma_read || !platform->dma_write || !platform->irq ||
        !platform->now_ns || !platform->kick) {
      SetError(err, "platform: every callback (dma_read, dma_write, irq, "
                    "now_ns, kick) must be set");
      return nullptr;
    }
    auto ctrl = std::make_unique<salix_ctrl>(*platform);
    auto c = salix::MakeController(cfg->config, ctrl->platform);
    if (!c.ok()) {
      SetError(err, c.error());
      return nullptr;
    }
    ctrl->controller = std::move(c).value();
    return ctrl.release();
  } catch (const std::exception& e) {
    SetError(err, std::string("salix_ctrl_new: ") + e.what());
    return nullptr;
  } catch (...) {
    SetError(err, "salix_ctrl_new: internal error");
    return nullptr;
  }
}

void salix_ctrl_free(salix_ctrl* ctrl) {
  try {
    delete ctrl;
  } catch (...) {
  }
}

uint64_t salix_ctrl_bar0_size(const salix_ctrl* ctrl) {
  return ctrl->controller->bar0_size();
}

uint16_t salix_ctrl_msix_vectors(const salix_ctrl* ctrl) {
  return ctrl->controller->msix_vectors();
}

uint64_t salix_ctrl_mmio_read(salix_ctrl* ctrl, uint64_t offset,
                              unsigned size) {
  try {
    return ctrl->controller->MmioRead(offset, size);
  } catch (...) {
    return 0;
  }
}

void salix_ctrl_mmio_write(salix_ctrl* ctrl, uint64_t offset, uint64_t value,
                           unsigned size) {
  try {
    ctrl->controller->MmioWrite(offset, value, size);
  } catch (...) {
  }
}

uint64_t salix_ctrl_run(salix_ctrl* ctrl, uint64_t now_ns) {
  try {
    return ctrl->controller->Run(now_ns);
  } catch (...) {
    // Only allocation failure can get here; try again soon rather than hang.
    return now_ns;
  }
}

bool salix_ctrl_has_work(const salix_ctrl* ctrl) {
  return ctrl->controller->HasWork();
}

void salix_ctrl_reset(salix_ctrl* ctrl) {
  try {
    ctrl->controller->BusReset();
  } catch (...) {
  }
}

void salix_ctrl_set_log(salix_ctrl* ctrl, salix_log_fn fn, void* opaque) {
  ctrl->controller->logger().Set(fn, opaque);
}

const char* salix_version(void) { return salix::FirmwareVersion(); }

uint32_t salix_abi_version(void) { return SALIX_ABI_VERSION; }

void salix_free_string(char* s) { free(s); }

}  // extern "C"
