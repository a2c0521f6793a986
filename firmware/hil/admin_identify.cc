// Identify (admin 06h): CNS dispatch. The data structures are built in
// identify.cc.
#include <cstring>

#include "hil/controller.h"

namespace salix {

CommandResult Controller::Identify(const nvme::Sqe& sqe, uint64_t now) {
  uint8_t cns = sqe.cdw10 & 0xFF;
  uint8_t csi = static_cast<uint8_t>(sqe.cdw11 >> 24);
  uint32_t nsid = sqe.nsid;
  CommandResult r = CommandResult::Of(Status(), now);
  std::memset(page_.data(), 0, page_.size());
  switch (cns) {
    case nvme::cns::kController:
      BuildIdentifyController(
          identity_, *personality_,
          reinterpret_cast<nvme::IdentifyController*>(page_.data()));
      break;
    case nvme::cns::kNamespace:
      if (!NamespaceValid(nsid)) {
        r.status = Status::InvalidNamespaceOrFormat();
        r.param_location = ParamLocation(4);
        return r;
      }
      BuildIdentifyNamespace(
          identity_, *personality_, HostBlocks(),
          reinterpret_cast<nvme::IdentifyNamespace*>(page_.data()));
      break;
    case nvme::cns::kActiveNamespaces: {
      if (nsid >= 0xFFFFFFFE) {
        r.status = Status::InvalidNamespaceOrFormat();
        r.param_location = ParamLocation(4);
        return r;
      }
      uint32_t only = 1;  // the single namespace, listed when above nsid
      if (nsid < only) std::memcpy(page_.data(), &only, sizeof(only));
      break;
    }
    case nvme::cns::kNsDescriptors:
      if (!NamespaceValid(nsid)) {
        r.status = Status::InvalidNamespaceOrFormat();
        r.param_location = ParamLocation(4);
        return r;
      }
      BuildNamespaceDescriptors(identity_, page_.data());
      break;
    case nvme::cns::kCsController:
      // NVM command set: no extra limits to report, all fields zero.
      if (csi != 0) {
        r.status = Status::InvalidField();
        r.param_location = ParamLocation(47);
        return r;
      }
      break;
    default:
      r.status = Status::InvalidField();
      r.param_location = ParamLocation(40);
      return r;
  }
  r.status = SendToHost(sqe, page_.data(), page_.size());
  return r;
}

}  // namespace salix
