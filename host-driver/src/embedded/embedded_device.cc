// embedded_device.cc - Device over an in-process firmware (EmbeddedHost).
#include "salix/host/embedded_device.h"

#include <fmt/format.h>
#include <salix/vendor_identify.h>

#include <cerrno>
#include <cstring>

#include "embedded/embedded_host.h"
#include "salix/host/discovery.h"

namespace salix::host {
namespace {

using embedded::DmaBuffer;
using embedded::EmbeddedHost;
using embedded::EmbeddedHostOptions;

std::string Trim(const char* s, size_t n) {
  std::string out(s, strnlen(s, n));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

nvme::Sqe ToSqe(const DeviceCommand& cmd, uint32_t nsid) {
  nvme::Sqe sqe{};
  sqe.opcode = cmd.opcode;
  sqe.nsid = nsid;
  sqe.cdw2 = cmd.cdw2;
  sqe.cdw3 = cmd.cdw3;
  sqe.cdw10 = cmd.cdw10;
  sqe.cdw11 = cmd.cdw11;
  sqe.cdw12 = cmd.cdw12;
  sqe.cdw13 = cmd.cdw13;
  sqe.cdw14 = cmd.cdw14;
  sqe.cdw15 = cmd.cdw15;
  return sqe;
}

class EmbeddedDeviceImpl final : public EmbeddedDevice {
 public:
  explicit EmbeddedDeviceImpl(const EmbeddedDeviceOptions& o) : options_(o) {}

  Result<bool> Start() {
    EmbeddedHostOptions ho;
    ho.config = options_.config;
    ho.io_queue_entries = options_.queue_depth + 1;
    ho.virtual_clock = options_.virtual_clock;
    // Room for a buffer per slot plus queues and admin buffers.
    ho.guest_memory_bytes =
        uint64_t{options_.queue_depth} * (options_.max_transfer_bytes + 8192) +
        (64ull << 20);
    auto host = EmbeddedHost::Create(ho);
    if (!host.ok()) {
      return Error{fmt::format("{}: {}", options_.name, host.error())};
    }
    host_ = std::move(host.value());
    nvme::IdentifyController id{};
    if (!host_->IdentifyController(&id).ok()) {
      return Error{fmt::format("{}: Identify Controller failed", options_.name)};
    }
    info_.name = options_.name;
    info_.serial = Trim(reinterpret_cast<const char*>(id.sn), sizeof(id.sn));
    info_.model = Trim(reinterpret_cast<const char*>(id.mn), sizeof(id.mn));
    info_.nsid = 1;
    info_.lba_size = host_->lba_size();
    info_.lba_count = host_->capacity_blocks();
    info_.max_transfer_bytes = options_.max_transfer_bytes;
    info_.cheap_segments = true;
    const auto* vendor = reinterpret_cast<const uint8_t*>(&id) +
                         SALIX_VENDOR_IDENTIFY_OFFSET;
    const auto salix = parse_salix_identity(vendor, SALIX_VENDOR_IDENTIFY_SIZE);
    info_.salix = salix.has_value();
    info_.scattered_write_tagged =
        salix && (salix->features & SALIX_FEATURE_WRITE_TAGGED_SCATTER) != 0;
    slots_.clear();
    slots_.resize(options_.queue_depth);
    free_.clear();
    for (unsigned i = 0; i < options_.queue_depth; i++) free_.push_back(i);
    return true;
  }

  const DeviceInfo& info() const override { return info_; }

  bool Submit(const DeviceCommand& cmd, CompletionFn fn, void* ctx) override {
    if (free_.empty() || cmd.data_len > options_.max_transfer_bytes) {
      return false;
    }
    unsigned i = free_.back();
    Slot& s = slots_[i];
    nvme::Sqe sqe = ToSqe(cmd, cmd.nsid ? cmd.nsid : info_.nsid);
    if (cmd.data_len > 0) {
      // A buffer is described by PRPs for exactly its size, so keep one
      // per slot and rebuild it only when the size changes.
      if (!s.buffer || s.buffer->size() != cmd.data_len) {
        s.buffer.reset();
        s.buffer = host_->AllocBuffer(cmd.data_len);
        if (!s.buffer) return false;
      }
      if ((cmd.opcode & 1) && cmd.segments != nullptr) {
        size_t off = 0;
        for (uint32_t x = 0; x < cmd.segment_count; x++) {
          const iovec& v = cmd.segments[x];
          s.buffer->CopyIn({static_cast<const uint8_t*>(v.iov_base), v.iov_len}, off);
          off += v.iov_len;
        }
      } else if (cmd.opcode & 1) {
        s.buffer->CopyIn({static_cast<const uint8_t*>(cmd.data), cmd.data_len});
      }
      s.buffer->ApplyTo(&sqe);
    }
    s.fn = fn;
    s.ctx = ctx;
    s.data = cmd.data;
    s.data_len = cmd.data_len;
    s.segments = cmd.segments;
    s.segment_count = cmd.segment_count;
    s.to_host = (cmd.opcode & 2) != 0;
    s.generation = generation_;
    auto cid = host_->Submit(1, sqe, [this, i](const nvme::Cqe& c) {
      Complete(i, c);
    });
    if (!cid) return false;
    free_.pop_back();
    in_flight_++;
    return true;
  }

  size_t Poll(unsigned wait_us) override {
    (void)wait_us;
    delivered_ = 0;
    size_t n = host_->Poll();
    if (n == 0 && in_flight_ > 0) {
      // Nothing due now: let the (virtual) clock move to the next event.
      size_t before = delivered_;
      host_->PollUntil([&] { return delivered_ > before; });
    }
    return delivered_;
  }

  size_t in_flight() const override { return in_flight_; }
  unsigned queue_depth() const override { return options_.queue_depth; }

  DeviceCompletion Admin(const DeviceCommand& cmd) override {
    nvme::Sqe sqe = ToSqe(cmd, cmd.nsid);
    std::optional<nvme::Cqe> cqe;
    if (cmd.data_len > 0) {
      cqe = host_->ExecuteWithData(
          0, sqe, {static_cast<uint8_t*>(cmd.data), cmd.data_len});
    } else {
      cqe = host_->Execute(0, sqe);
    }
    DeviceCompletion c;
    if (!cqe) {
      c.errno_ = -ETIMEDOUT;
      return c;
    }
    c.status = cqe->status >> 1 & 0x7FF;
    c.dw0 = cqe->dw0;
    c.dw1 = cqe->dw1;
    return c;
  }

  Result<bool> PowerCycle() override {
    AbandonInFlight();
    slots_.clear();  // their DMA buffers live in the old host's guest memory
    host_.reset();   // no shutdown: power loss
    return Start();
  }

  void AbandonInFlight() override {
    generation_++;
    for (auto& s : slots_) s.fn = nullptr;
  }

  uint64_t now_ns() const override { return host_->now_ns(); }
  void AdvanceClock(uint64_t ns) override {
    if (options_.virtual_clock) host_->AdvanceClock(ns);
  }

 private:
  struct Slot {
    std::unique_ptr<DmaBuffer> buffer;
    CompletionFn fn = nullptr;
    void* ctx = nullptr;
    void* data = nullptr;
    uint32_t data_len = 0;
    const iovec* segments = nullptr;
    uint32_t segment_count = 0;
    bool to_host = false;
    uint64_t generation = 0;
  };

  void Complete(unsigned i, const nvme::Cqe& cqe) {
    Slot& s = slots_[i];
    DeviceCompletion c;
    c.status = cqe.status >> 1 & 0x7FF;
    c.dw0 = cqe.dw0;
    c.dw1 = cqe.dw1;
    CompletionFn fn = s.fn;
    void* ctx = s.ctx;
    if (fn && s.generation == generation_ && s.to_host && s.data_len > 0 &&
        c.status == 0) {
      if (s.segments != nullptr) {
        size_t off = 0;
        for (uint32_t x = 0; x < s.segment_count; x++) {
          const iovec& v = s.segments[x];
          s.buffer->CopyOut({static_cast<uint8_t*>(v.iov_base), v.iov_len}, off);
          off += v.iov_len;
        }
      } else {
        s.buffer->CopyOut({static_cast<uint8_t*>(s.data), s.data_len});
      }
    }
    s.fn = nullptr;
    free_.push_back(i);
    in_flight_--;
    delivered_++;
    if (fn) fn(ctx, c);
  }

  EmbeddedDeviceOptions options_;
  std::unique_ptr<EmbeddedHost> host_;
  DeviceInfo info_;
  std::vector<Slot> slots_;
  std::vector<unsigned> free_;
  size_t in_flight_ = 0;
  size_t delivered_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace

Result<std::unique_ptr<EmbeddedDevice>> EmbeddedDevice::Create(
    const EmbeddedDeviceOptions& options) {
  auto d = std::make_unique<EmbeddedDeviceImpl>(options);
  auto r = d->Start();
  if (!r.ok()) return r.error();
  return std::unique_ptr<EmbeddedDevice>(std::move(d));
}

}  // namespace salix::host
