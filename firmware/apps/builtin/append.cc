#include "apps/builtin/append.h"

#include <optional>
#include <vector>

#include <fmt/format.h>

#include "apps/builtin/common.h"

namespace salix::apps::builtin {
namespace {

constexpr uint32_t kStateMagic = 0x50504153u;  // "SAPP"

struct StateRecord {
  uint32_t magic;
  uint32_t crc;
  uint64_t gen;
  uint64_t first;
  uint64_t count;
  uint64_t tail;
  uint64_t appends;
};
static_assert(sizeof(StateRecord) == 48);

uint32_t CrcOf(StateRecord r) {
  r.crc = 0;
  return Crc32c({reinterpret_cast<const uint8_t*>(&r), sizeof(r)});
}

constexpr FunctionInfo kFunctions[] = {
    {SALIX_APPEND_FORMAT, "format", sizeof(salix_append_range), sizeof(salix_append_range)},
    {SALIX_APPEND_APPEND, "append", sizeof(salix_append_op),
     sizeof(salix_append_op) + SALIX_BUILTIN_MAX_DATA},
    {SALIX_APPEND_READ, "read", sizeof(salix_append_read), sizeof(salix_append_read)},
    {SALIX_APPEND_INFO, "info", sizeof(salix_append_range), sizeof(salix_append_range)},
};

Status WriteState(Flash& f, const salix_append_range& r, uint64_t gen, uint64_t tail,
                  uint64_t appends) {
  StateRecord s{kStateMagic, 0, gen, r.first, r.count, tail, appends};
  s.crc = CrcOf(s);
  std::vector<uint8_t> b(f.lba_size(), 0);
  Encode(s, b);
  Status st = f.Write(r.first + gen % SALIX_APPEND_META_LBAS, 1, b);
  return st.ok() ? f.Flush() : st;
}

}  // namespace

std::span<const FunctionInfo> AppendApp::functions() const { return kFunctions; }

Outcome AppendApp::Call(const struct Call& call) {
  const auto r = *Decode<salix_append_range>(call.input);
  if (call.flash == nullptr) return Fail(Status::InvalidField(), "the call carries no domain");
  if (!RangeWithin(r.first, r.count, call.flash->lba_count())) {
    return Fail(Status::LbaOutOfRange(),
                fmt::format("log range [{}, +{}) is beyond the namespace ({} LBAs)",
                            r.first, r.count, call.flash->lba_count()));
  }
  if (r.count <= SALIX_APPEND_META_LBAS) {
    return Fail(Status::InvalidField(),
                fmt::format("a log of {} LBAs: at least {} needed", r.count,
                            SALIX_APPEND_META_LBAS + 1));
  }
  if (auto o = CheckDomain(call, r.first, r.count, kRightReadWrite, "log range")) return *o;
  CountingFlash f(*call.flash);
  const auto id = std::make_pair(r.first, r.count);
  const uint32_t lbs = f.lba_size();
  const uint64_t data_first = r.first + SALIX_APPEND_META_LBAS;
  const uint64_t capacity = r.count - SALIX_APPEND_META_LBAS;
  auto finish = [&](Outcome o) {
    f.AddTo(o.stats);
    return o;
  };

  if (call.function == SALIX_APPEND_FORMAT) {
    auto it = logs_.find(id);
    const uint64_t gen = it != logs_.end() ? it->second.gen + 1 : 1;
    logs_.erase(id);
    // Both copies, so no state of an earlier log over the range survives.
    Status st = WriteState(f, r, gen, 0, 0);
    if (st.ok()) st = WriteState(f, r, gen + 1, 0, 0);
    if (!st.ok()) return finish(FailFlash(st, "writing the log state"));
    logs_[id] = State{gen + 1, 0, 0};
    return finish(Outcome());
  }

  auto it = logs_.find(id);
  if (it == logs_.end()) {
    std::vector<uint8_t> b(uint64_t{SALIX_APPEND_META_LBAS} * lbs);
    Status st = f.Read(r.first, SALIX_APPEND_META_LBAS, b);
    if (!st.ok()) return finish(FailFlash(st, "reading the log state"));
    std::optional<StateRecord> best;
    for (uint32_t i = 0; i < SALIX_APPEND_META_LBAS; i++) {
      auto s = Decode<StateRecord>(std::span<const uint8_t>(b).subspan(uint64_t{i} * lbs));
      if (s->magic != kStateMagic || s->crc != CrcOf(*s) || s->first != r.first ||
          s->count != r.count || s->tail > capacity) {
        continue;
      }
      if (!best || s->gen > best->gen) best = s;
    }
    if (!best) {
      return finish(Fail(Status::CommandSequenceError(),
                         fmt::format("[{}, +{}) is not a formatted append log", r.first,
                                     r.count)));
    }
    it = logs_.emplace(id, State{best->gen, best->tail, best->appends}).first;
  }
  State& s = it->second;

  if (call.function == SALIX_APPEND_INFO) {
    if (call.output.size() < sizeof(salix_append_info)) {
      return finish(Fail(Status::InvalidField(), "info needs 32 bytes of output"));
    }
    Encode(salix_append_info{data_first, data_first + s.tail, capacity, s.appends},
           call.output);
    Outcome o;
    o.output_len = sizeof(salix_append_info);
    return finish(o);
  }
  if (call.function == SALIX_APPEND_READ) {
    const auto rd = *Decode<salix_append_read>(call.input);
    const uint64_t bytes = uint64_t{rd.nlb} * lbs;
    if (rd.nlb == 0 || rd.reserved != 0 || bytes > call.output.size() ||
        rd.lba < data_first || !RangeWithin(rd.lba - data_first, rd.nlb, s.tail)) {
      return finish(Fail(Status::InvalidField(),
                         fmt::format("read of [{}, +{}) into {} bytes: only appended "
                                     "LBAs [{}, {}) can be read",
                                     rd.lba, rd.nlb, call.output.size(), data_first,
                                     data_first + s.tail)));
    }
    Status st = f.Read(rd.lba, rd.nlb, call.output.first(bytes));
    if (!st.ok()) return finish(FailFlash(st, "reading appended data"));
    Outcome o;
    o.output_len = static_cast<uint32_t>(bytes);
    return finish(o);
  }
  // SALIX_APPEND_APPEND
  const auto op = *Decode<salix_append_op>(call.input);
  const uint64_t data = call.input.size() - sizeof(salix_append_op);
  if (op.nlb == 0 || op.reserved != 0 || data != uint64_t{op.nlb} * lbs) {
    return finish(Fail(Status::InvalidField(),
                       fmt::format("nlb {} (reserved {}) with {} bytes of data: need "
                                   "nlb >= 1, reserved 0 and nlb * {} bytes",
                                   op.nlb, op.reserved, data, lbs)));
  }
  if (op.nlb > capacity - s.tail) {
    return finish(Fail(Status::CapacityExceeded(),
                       fmt::format("append log full: {} of {} LBAs used, {} asked",
                                   s.tail, capacity, op.nlb)));
  }
  const uint64_t lba = data_first + s.tail;
  Status st = f.Write(lba, op.nlb, call.input.subspan(sizeof(salix_append_op)));
  if (st.ok()) st = f.Flush();
  if (st.ok()) st = WriteState(f, r, s.gen + 1, s.tail + op.nlb, s.appends + 1);
  if (!st.ok()) {
    logs_.erase(it);  // re-read the state at the next call
    return finish(FailFlash(st, "appending"));
  }
  s.gen++;
  s.tail += op.nlb;
  s.appends++;
  if (call.output.size() >= sizeof(salix_append_result)) {
    Encode(salix_append_result{lba, s.appends}, call.output);
  }
  Outcome o;
  o.value = lba;
  o.output_len = call.output.size() >= sizeof(salix_append_result)
                     ? sizeof(salix_append_result)
                     : 0;
  return finish(o);
}

}  // namespace salix::apps::builtin
