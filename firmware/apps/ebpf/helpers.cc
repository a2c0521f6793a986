#include "apps/ebpf/helpers.h"

#include <cstring>

namespace salix::apps::ebpf {
namespace {

using A = ArgKind;

constexpr HelperSignature kHelpers[] = {
    {SALIX_HELPER_READ_LBA, "salix_read_lba",
     {A::kScalar, A::kScalar, A::kWritableMem, A::kScalar, A::kNone}, {-1, -1, 3, -1, -1}},
    {SALIX_HELPER_WRITE_LBA, "salix_write_lba",
     {A::kScalar, A::kScalar, A::kReadableMem, A::kScalar, A::kNone}, {-1, -1, 3, -1, -1}},
    {SALIX_HELPER_EMIT, "salix_emit",
     {A::kReadableMem, A::kScalar, A::kNone, A::kNone, A::kNone}, {1, -1, -1, -1, -1}},
    {SALIX_HELPER_SET_OUTPUT_LEN, "salix_set_output_len",
     {A::kScalar, A::kNone, A::kNone, A::kNone, A::kNone}, {-1, -1, -1, -1, -1}},
};

constexpr uint64_t Error(int e) { return static_cast<uint64_t>(-static_cast<int64_t>(e)); }

uint64_t Refuse(HelperContext& hc, int e) {
  ++hc.stats->refused_calls;
  return Error(e);
}

// read_lba / write_lba: all checks before any I/O, so a refusal changes
// nothing.
uint64_t LbaTransfer(const uint64_t* a, HelperContext& hc, bool write) {
  const uint64_t lba = a[0];
  const uint32_t count = static_cast<uint32_t>(a[1]);
  const uint64_t buf = a[2];
  const uint32_t buf_len = static_cast<uint32_t>(a[3]);
  if (count == 0 || count > SALIX_MAX_LBAS_PER_CALL) return Refuse(hc, SALIX_EINVAL);
  const uint64_t bytes = uint64_t{count} * hc.env->lba_size();
  if (buf_len < bytes) return Refuse(hc, SALIX_EINVAL);
  uint8_t* host = hc.regions->Translate(buf, buf_len, /*write=*/!write);
  if (host == nullptr) return Refuse(hc, SALIX_EFAULT);
  if (!hc.domain->Allows(lba, count, write ? kRightWrite : kRightRead)) {
    return Refuse(hc, SALIX_EPERM);
  }
  if (lba >= hc.env->lba_count() || hc.env->lba_count() - lba < count) {
    return Refuse(hc, SALIX_EINVAL);
  }
  Status s = write ? hc.env->WriteLbas(lba, count, std::span<const uint8_t>(host, bytes))
                   : hc.env->ReadLbas(lba, count, std::span<uint8_t>(host, bytes));
  if (!s.ok()) return Refuse(hc, SALIX_EIO);
  (write ? hc.stats->lbas_written : hc.stats->lbas_read) += count;
  return 0;
}

uint64_t Emit(const uint64_t* a, HelperContext& hc) {
  const uint32_t len = static_cast<uint32_t>(a[1]);
  const uint8_t* src = hc.regions->Translate(a[0], len, /*write=*/false);
  if (src == nullptr) return Refuse(hc, SALIX_EFAULT);
  if (len > hc.output_cap - hc.output_len) return Refuse(hc, SALIX_ENOSPC);
  uint8_t* out = hc.regions->base[static_cast<uint8_t>(Region::kOutput)];
  if (len > 0) std::memmove(out + hc.output_len, src, len);  // src may be the output
  hc.output_len += len;
  return hc.output_len;
}

uint64_t SetOutputLen(const uint64_t* a, HelperContext& hc) {
  if (a[0] > hc.output_cap) return Refuse(hc, SALIX_EINVAL);
  hc.output_len = static_cast<uint32_t>(a[0]);
  return 0;
}

}  // namespace

const HelperSignature* FindHelper(int32_t id) {
  for (const HelperSignature& h : kHelpers) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

uint64_t CallHelper(int32_t id, const uint64_t args[5], HelperContext& hc) {
  ++hc.stats->helper_calls;
  switch (id) {
    case SALIX_HELPER_READ_LBA: return LbaTransfer(args, hc, /*write=*/false);
    case SALIX_HELPER_WRITE_LBA: return LbaTransfer(args, hc, /*write=*/true);
    case SALIX_HELPER_EMIT: return Emit(args, hc);
    case SALIX_HELPER_SET_OUTPUT_LEN: return SetOutputLen(args, hc);
  }
  return Refuse(hc, SALIX_EINVAL);  // unreachable after verification
}

}  // namespace salix::apps::ebpf
