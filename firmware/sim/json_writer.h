// json_writer.h - a minimal streaming JSON writer for the simulator's report.
//
// Builds one document into a string: objects, arrays, strings (escaped per
// RFC 8259), integers, and doubles (non-finite values become null, which
// JSON cannot otherwise express). Commas and nesting are tracked, so callers
// only say what comes next.
//
// REQUIRES: calls are balanced (every Begin has its End) and, inside an
// object, each value is preceded by Key.
//
// Thread-safety: a value type.
#ifndef SALIX_SIM_JSON_WRITER_H
#define SALIX_SIM_JSON_WRITER_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace salix::sim {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // Shorthands for a key and its value.
  JsonWriter& Field(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  JsonWriter& Field(std::string_view key, const char* value) {
    return Key(key).String(value);
  }
  JsonWriter& Field(std::string_view key, uint64_t value) {
    return Key(key).Uint(value);
  }
  JsonWriter& Field(std::string_view key, double value) {
    return Key(key).Double(value);
  }

  const std::string& str() const { return out_; }

 private:
  void Separate();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace salix::sim

#endif  // SALIX_SIM_JSON_WRITER_H
