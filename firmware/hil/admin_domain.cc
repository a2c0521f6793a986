// Domain Management (Salix admin C3h, <salix/app_commands.h>): protection
// domains for app invocations. Create reads the ranges from the data
// buffer and writes the new token into its first 16 bytes; destroy revokes
// a domain by id. Admin commands need a privileged process in the guest,
// which is what makes a domain the host's grant rather than the app's.
#include <salix/app_commands.h>

#include <cstring>
#include <vector>

#include "hil/controller.h"
#include "hil/io_helpers.h"

namespace salix {

CommandResult Controller::DomainManagement(const nvme::Sqe& sqe, uint64_t now) {
  const uint32_t action = sqe.cdw10 & 0xF;
  if (action == SALIX_DOMAIN_DESTROY) {
    auto r = apps_.domains().Destroy(sqe.cdw11);
    if (!r.ok()) {
      return AppRefused("Domain Management (destroy)", r.error(), now,
                        ParamLocation(io::kByteCdw10 + 4));
    }
    log_.Info("apps: domain {} destroyed, its token revoked", sqe.cdw11);
    return CommandResult::Of(Status(), now);
  }
  if (action != SALIX_DOMAIN_CREATE) {
    return AppRefused("Domain Management",
                      {Status::InvalidField(), fmt::format("unknown action {}", action)}, now,
                      ParamLocation(io::kByteCdw10));
  }
  const uint32_t nr = sqe.cdw11;
  if (nr == 0 || nr > SALIX_DOMAIN_MAX_RANGES) {
    return AppRefused("Domain Management",
                      {Status::InvalidField(),
                       fmt::format("{} ranges: 1..{} allowed", nr, SALIX_DOMAIN_MAX_RANGES)},
                      now, ParamLocation(io::kByteCdw10 + 4));
  }
  const size_t bytes = SALIX_DOMAIN_CREATE_BYTES(nr);
  Status s = buffer_.Build(sqe, bytes, XferDir::kFromHost);
  if (s.ok()) {
    bounce_.resize(bytes);
    s = buffer_.FromHost(0, bounce_.data(), bytes);
  }
  if (!s.ok()) return io::Fail(s, now, ParamLocation(io::kByteDptr));
  std::vector<apps::LbaRange> ranges(nr);
  for (uint32_t i = 0; i < nr; i++) {
    salix_domain_range d;
    std::memcpy(&d, bounce_.data() + sizeof(salix_domain_create) + i * sizeof(d), sizeof(d));
    ranges[i] = apps::LbaRange{d.slba, d.nlb, d.rights};
  }
  auto r = apps_.domains().Create(ranges, personality_->capacity_blocks(), apps_.reserved());
  if (!r.ok()) return AppRefused("Domain Management", r.error(), now, ParamLocation(io::kByteDptr));
  salix_app_token t;
  std::memcpy(t.dw, r.value().token.dw.data(), sizeof(t.dw));
  s = buffer_.ToHost(0, &t, sizeof(t));
  if (!s.ok()) {  // the host never saw the token: nothing was created
    (void)apps_.domains().Destroy(r.value().id);
    return io::Fail(s, now, ParamLocation(io::kByteDptr));
  }
  log_.Info("apps: domain {} created with {} ranges", r.value().id, nr);
  CommandResult ok = CommandResult::Of(Status(), now);
  ok.dw0 = r.value().id;
  return ok;
}

}  // namespace salix
