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
  // Longest wait per Poll: a completion ends it at once, so long slices
  // only save system calls.
  constexpr unsigned kWaitUs = 10000;
  Waiter w;
  while (!Submit(cmd, &Waiter::Done, &w)) {
    if (in_flight() == 0) {
      DeviceCompletion c;
      c.errno_ = -ENODEV;
      return c;
    }
    Poll(kWaitUs);
  }
  while (!w.done) Poll(kWaitUs);
  return w.completion;
}

}  // namespace salix::host
