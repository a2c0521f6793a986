// array_util.h - the array commands (<salix/array_commands.h>) as raw SQEs
// through the embedded host, for the tests in this directory.
#ifndef SALIX_TESTS_UNIT_ARRAY_CMDS_ARRAY_UTIL_H
#define SALIX_TESTS_UNIT_ARRAY_CMDS_ARRAY_UTIL_H

#include <salix/array_commands.h>
#include <salix/opcodes.h>
#include <salix/stats_log.h>

#include <cstring>
#include <vector>

#include "ftl_util.h"
#include "test_util.h"

namespace salix::test {

inline salix_host_tag Tag(uint32_t a, uint32_t b = 0, uint32_t c = 0,
                          uint32_t d = 0) {
  return salix_host_tag{{a, b, c, d}};
}

inline bool SameTag(const salix_host_tag& x, const salix_host_tag& y) {
  return std::memcmp(&x, &y, sizeof(x)) == 0;
}

inline void PutTag(nvme::Sqe& s, const salix_host_tag& t) {
  s.cdw2 = t.dw[0];
  s.cdw3 = t.dw[1];
  s.cdw14 = t.dw[2];
  s.cdw15 = t.dw[3];
}

// Namespace of each personality the array commands must work on.
inline std::vector<std::pair<const char*, EmbeddedHostOptions>> BothPersonalities(
    KeyValues extra = {}) {
  KeyValues nossd = {{"size", "8M"}};
  for (auto& e : extra) nossd.push_back(e);
  return {{"nossd", SmallDevice(nossd)}, {"ftl", SmallDevice(SmallFlash(extra))}};
}

inline Status TaggedWrite(EmbeddedHost& h, uint64_t slba,
                          std::vector<uint8_t> data, const salix_host_tag& t) {
  nvme::Sqe s = IoSqe(SALIX_IO_WRITE, slba,
                      static_cast<uint32_t>(data.size() / h.lba_size()));
  PutTag(s, t);
  return StatusOf(h.ExecuteWithData(1, s, data));
}

inline Status TaggedWriteZeroes(EmbeddedHost& h, uint64_t slba, uint32_t nlb,
                                const salix_host_tag& t) {
  nvme::Sqe s = IoSqe(SALIX_IO_WRITE_ZEROES, slba, nlb);
  PutTag(s, t);
  return StatusOf(h.Execute(1, s));
}

inline std::vector<uint8_t> ReadBack(EmbeddedHost& h, uint64_t slba,
                                     uint32_t nlb) {
  std::vector<uint8_t> v(uint64_t{nlb} * h.lba_size());
  REQUIRE(h.Read(1, slba, v).ok());
  return v;
}

inline Status ReadTags(EmbeddedHost& h, uint64_t slba, uint32_t nlb,
                       std::vector<salix_tag_entry>* out) {
  nvme::Sqe s = IoSqe(SALIX_IO_READ_TAGS, slba, nlb);
  std::vector<uint8_t> buf(uint64_t{nlb} * sizeof(salix_tag_entry), 0xEE);
  Status st = StatusOf(h.ExecuteWithData(1, s, buf));
  out->resize(nlb);
  std::memcpy(out->data(), buf.data(), buf.size());
  return st;
}

// A Write Tagged (85h) of 'data' at slba: tags[t] for blocks [t * per_tag,
// (t + 1) * per_tag). The buffer is the tag list padded to
// SALIX_TAG_LIST_ALIGN, then the data, unless buffer_bytes says otherwise
// (for malformed cases; the data is cut or zero-extended).
struct WriteTaggedArgs {
  uint64_t slba = 0;
  std::vector<uint8_t> data;
  uint32_t per_tag = 1;  // TB + 1
  std::vector<salix_host_tag> tags;
  bool fua = false;
  int64_t buffer_bytes = -1;
  int nlb_override = -1;  // 1-based NLB, when not data.size() / lba_size
  BufferLayout layout = {};
  // Scattered (SALIX_WRITE_TAGGED_SCATTER): tag t's piece of per_tag
  // blocks goes to lbas[t]; the LBAs follow the tags in the list.
  std::vector<uint64_t> lbas;
};

inline uint64_t TagListBytes(size_t tags) {
  const uint64_t b = tags * sizeof(salix_host_tag);
  return (b + SALIX_TAG_LIST_ALIGN - 1) / SALIX_TAG_LIST_ALIGN *
         SALIX_TAG_LIST_ALIGN;
}

inline std::optional<nvme::Cqe> WriteTagged(EmbeddedHost& h,
                                            const WriteTaggedArgs& a) {
  const uint32_t nlb =
      a.nlb_override >= 0 ? static_cast<uint32_t>(a.nlb_override)
                          : static_cast<uint32_t>(a.data.size() / h.lba_size());
  nvme::Sqe s = IoSqe(SALIX_IO_WRITE_TAGGED, a.slba, nlb);
  if (a.fua) s.cdw12 |= 1u << 30;
  s.cdw13 = (a.per_tag - 1) & 0xFFFF;
  if (!a.lbas.empty()) s.cdw13 |= SALIX_WRITE_TAGGED_SCATTER;
  const uint64_t tag_bytes = a.tags.size() * sizeof(salix_host_tag);
  const uint64_t lba_bytes = a.lbas.size() * sizeof(uint64_t);
  const uint64_t list = (tag_bytes + lba_bytes + SALIX_TAG_LIST_ALIGN - 1) /
                        SALIX_TAG_LIST_ALIGN * SALIX_TAG_LIST_ALIGN;
  std::vector<uint8_t> buf(list + a.data.size());
  std::memcpy(buf.data(), a.tags.data(), tag_bytes);
  if (lba_bytes) std::memcpy(buf.data() + tag_bytes, a.lbas.data(), lba_bytes);
  std::memcpy(buf.data() + list, a.data.data(), a.data.size());
  if (a.buffer_bytes >= 0) buf.resize(static_cast<size_t>(a.buffer_bytes));
  return h.ExecuteWithData(1, s, buf, a.layout);
}

struct ParityArgs {
  uint64_t dslba = 0;
  uint32_t kind = SALIX_PARITY_P;
  uint32_t nlb = 1;  // 1-based
  std::vector<salix_parity_source> sources;
  salix_host_tag tag{};
  bool deallocate = false;
  int nr_override = -1;  // CDW12 NR as given (0-based), for malformed cases
  uint32_t stripes = 1;  // NS + 1
  uint32_t step = 0;     // SSTEP: chunks between stripes' sources, 0 = k
};

inline std::optional<nvme::Cqe> ParityCompute(EmbeddedHost& h,
                                              const ParityArgs& a) {
  nvme::Sqe s{};
  s.opcode = SALIX_IO_PARITY_COMPUTE;
  s.nsid = 1;
  s.cdw10 = static_cast<uint32_t>(a.dslba);
  s.cdw11 = static_cast<uint32_t>(a.dslba >> 32);
  const uint32_t nr = a.nr_override >= 0
                          ? static_cast<uint32_t>(a.nr_override)
                          : static_cast<uint32_t>(a.sources.size() - 1);
  s.cdw12 = (nr & 0xFF) | ((a.kind & 0xF) << 8) |
            ((a.step & 0xFF) << SALIX_PARITY_SSTEP_SHIFT) |
            (a.deallocate ? SALIX_PARITY_DEALLOCATE : 0);
  s.cdw13 = ((a.nlb - 1) & 0xFFFF) | ((a.stripes - 1) << 16);
  PutTag(s, a.tag);
  std::vector<uint8_t> list(std::max<size_t>(nr + 1, a.sources.size()) *
                            sizeof(salix_parity_source));
  std::memcpy(list.data(), a.sources.data(),
              a.sources.size() * sizeof(salix_parity_source));
  return h.ExecuteWithData(1, s, list);
}

inline salix_parity_source Src(uint64_t slba, uint8_t coef = 0) {
  salix_parity_source p{};
  p.slba = slba;
  p.coef = coef;
  return p;
}

struct CopyRange {
  uint64_t slba;
  uint32_t nlb;  // 1-based
};

inline std::optional<nvme::Cqe> Copy(EmbeddedHost& h, uint64_t sdlba,
                                     const std::vector<CopyRange>& ranges,
                                     const salix_host_tag& tag = {},
                                     uint32_t format = 0) {
  nvme::Sqe s{};
  s.opcode = SALIX_IO_COPY;
  s.nsid = 1;
  s.cdw10 = static_cast<uint32_t>(sdlba);
  s.cdw11 = static_cast<uint32_t>(sdlba >> 32);
  s.cdw12 = ((ranges.size() - 1) & 0xFF) | ((format & 0xF) << 8);
  PutTag(s, tag);
  std::vector<uint8_t> list(ranges.size() * sizeof(nvme::CopyRangeFormat0));
  for (size_t i = 0; i < ranges.size(); i++) {
    nvme::CopyRangeFormat0 d{};
    d.slba = ranges[i].slba;
    d.nlb = static_cast<uint16_t>(ranges[i].nlb - 1);
    std::memcpy(list.data() + i * sizeof(d), &d, sizeof(d));
  }
  return h.ExecuteWithData(1, s, list);
}

inline std::optional<nvme::Cqe> SetFault(EmbeddedHost& h, uint32_t mode) {
  return h.Execute(0, AdminSqe(SALIX_ADMIN_FAULT_INJECTION, mode));
}

}  // namespace salix::test

#endif  // SALIX_TESTS_UNIT_ARRAY_CMDS_ARRAY_UTIL_H
