// device.cc - the synchronous wrapper of the Device contract.
#include "salix/host/device.h"

#include <cerrno>

namespace salix::host {
namespace {

struct Waiter {
  bool done = false;
  DeviceCompletion completion;
  static void Done(void* ctx, const DeviceCompletion& c) {
    auto* w = static_cast<Waiter*>(ctx);
    w->completion = c;
    w->done = true;
  }
};

}  // namespace

DeviceCompletion Device::Execute(const DeviceCommand& cmd) {
  Waiter w;
  while (!Submit(cmd, &Waiter::Done, &w)) {
    if (in_flight() == 0) {
      DeviceCompletion c;
      c.errno_ = -ENODEV;
      return c;
    }
    Poll(100);
  }
  while (!w.done) Poll(100);
  return w.completion;
}

}  // namespace salix::host
