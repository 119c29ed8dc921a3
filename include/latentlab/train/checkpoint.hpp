#pragma once
// Checkpoints: a network's parameters and buffers, and (for resuming) everything else a
// training run needs, in one versioned binary file.
//
// Format (version 1, little-endian):
//   magic      8 bytes  "\x89LLCKPT\n" (the high byte and the newline catch text-mode copies)
//   version    u32
//   records    u32      how many records follow
//   size       u64      the whole file's size in bytes, so a truncated file is named as such
//   record*    u16 name length, name (UTF-8), u8 type (1 f32, 2 f64, 3 u64, 4 text),
//              u8 rank, u64 extent × rank, then the values (text: rank 1, extent = bytes)
//   crc32      u32      zlib's CRC-32 of every byte before it
// A network's records are "network.signature" (its layers, shapes and value type, so a
// checkpoint is never loaded into a different network), "param.<name>" and "state.<name>"
// for every tensor of parameter_infos(), with the tensor's shape. Loading reads and checks
// the whole file, then every expected record's type and shape, before it writes anything:
// a bad file leaves the network as it was.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "latentlab/core/crc32.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/binary_file.hpp"
#include "latentlab/layers/layer.hpp"

namespace latentlab::train {

static_assert(std::endian::native == std::endian::little,
              "checkpoints are written little-endian by copying memory: a big-endian port needs byte swaps here");

inline constexpr char checkpoint_magic[8] = {'\x89', 'L', 'L', 'C', 'K', 'P', 'T', '\n'};
inline constexpr std::uint32_t checkpoint_version = 1;

enum class RecordType : std::uint8_t { f32 = 1, f64 = 2, u64 = 3, text = 4 };

namespace checkpoint_detail {

template <class T>
constexpr RecordType record_type() {
    if constexpr (std::is_same_v<T, float>) return RecordType::f32;
    else if constexpr (std::is_same_v<T, double>) return RecordType::f64;
    else return RecordType::u64;
}
inline std::size_t element_size(RecordType type) { return type == RecordType::text ? 1 : type == RecordType::f32 ? 4 : 8; }
inline const char* type_name(RecordType type) {
    switch (type) {
        case RecordType::f32: return "float32";
        case RecordType::f64: return "float64";
        case RecordType::u64: return "uint64";
        case RecordType::text: return "text";
    }
    return "?";
}
inline std::string shape_text(const std::vector<std::uint64_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}
}  // namespace checkpoint_detail

// Collects records, then writes them in one go (write_file_atomically): an interrupted
// save never leaves a half-written checkpoint.
class CheckpointWriter {
public:
    template <class T>
        requires(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::uint64_t>)
    void add(std::string_view name, std::span<const T> values, std::vector<std::uint64_t> shape = {}) {
        if (shape.empty()) shape = {values.size()};
        std::uint64_t count = 1;
        for (auto extent : shape) count *= extent;
        require(count == values.size(), "CheckpointWriter: record \"", name, "\" has ", values.size(),
                " values but shape ", checkpoint_detail::shape_text(shape));
        append(name, checkpoint_detail::record_type<T>(), shape, values.data(), values.size_bytes());
    }
    void add_scalar(std::string_view name, std::uint64_t value) {
        add(name, std::span<const std::uint64_t>(&value, 1));
    }
    void add_scalar(std::string_view name, double value) { add(name, std::span<const double>(&value, 1)); }
    void add_text(std::string_view name, std::string_view text) {
        append(name, RecordType::text, {text.size()}, text.data(), text.size());
    }

    void save(const std::filesystem::path& path) const {
        std::string file(checkpoint_magic, sizeof checkpoint_magic);
        put(file, checkpoint_version);
        put(file, static_cast<std::uint32_t>(records_));
        put(file, static_cast<std::uint64_t>(sizeof checkpoint_magic + 16 + body_.size() + 4));
        file += body_;
        put(file, crc32_of(file));
        if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
        data::write_file_atomically(path, file);
    }

private:
    template <class V>
    static void put(std::string& out, V value) {
        out.append(reinterpret_cast<const char*>(&value), sizeof value);
    }
    void append(std::string_view name, RecordType type, const std::vector<std::uint64_t>& shape, const void* data,
                std::size_t bytes) {
        require(!name.empty() && name.size() < 65536, "CheckpointWriter: a record name must have 1 to 65535 bytes");
        require(shape.size() < 256, "CheckpointWriter: record \"", name, "\" has rank ", shape.size(), " (at most 255)");
        require(names_.emplace(name).second, "CheckpointWriter: two records named \"", name, "\"");
        put(body_, static_cast<std::uint16_t>(name.size()));
        body_ += name;
        put(body_, static_cast<std::uint8_t>(type));
        put(body_, static_cast<std::uint8_t>(shape.size()));
        for (auto extent : shape) put(body_, extent);
        body_.append(static_cast<const char*>(data), bytes);
        ++records_;
    }

    std::string body_;
    std::size_t records_ = 0;
    std::set<std::string, std::less<>> names_;
};

// Reads a whole checkpoint and checks its magic, version, size, CRC and record structure
// on construction; records are then read by name with their type and shape checked.
class CheckpointReader {
public:
    struct Record {
        RecordType type;
        std::vector<std::uint64_t> shape;
        std::size_t offset = 0;  // of the values in the file
        std::size_t bytes = 0;
    };

    explicit CheckpointReader(const std::filesystem::path& path) : file_(path.string()) {
        std::ifstream in(path, std::ios::binary);
        require(in.good(), "checkpoint ", file_, ": cannot open the file");
        std::ostringstream content;
        content << in.rdbuf();
        data_ = std::move(content).str();
        parse();
    }

    const std::string& file() const { return file_; }
    bool has(std::string_view name) const { return records_.find(name) != records_.end(); }
    const Record& record(std::string_view name) const {
        const auto it = records_.find(name);
        require(it != records_.end(), "checkpoint ", file_, ": no record \"", name, "\"");
        return it->second;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> result;
        for (const auto& [name, record] : records_) result.push_back(name);
        return result;
    }

    // Checks that record `name` holds T values of `shape` (empty: any shape with out.size()
    // values), without reading it.
    template <class T>
    const Record& expect(std::string_view name, std::size_t count, const std::vector<std::uint64_t>& shape = {}) const {
        const Record& r = record(name);
        require(r.type == checkpoint_detail::record_type<T>(), "checkpoint ", file_, ": record \"", name, "\" holds ",
                checkpoint_detail::type_name(r.type), ", expected ",
                checkpoint_detail::type_name(checkpoint_detail::record_type<T>()));
        if (!shape.empty())
            require(r.shape == shape, "checkpoint ", file_, ": record \"", name, "\" has shape ",
                    checkpoint_detail::shape_text(r.shape), ", expected ", checkpoint_detail::shape_text(shape));
        require(r.bytes == count * sizeof(T), "checkpoint ", file_, ": record \"", name, "\" holds ",
                r.bytes / sizeof(T), " values, expected ", count);
        return r;
    }
    template <class T>
    void read(std::string_view name, std::span<T> out, const std::vector<std::uint64_t>& shape = {}) const {
        const Record& r = expect<T>(name, out.size(), shape);
        std::memcpy(out.data(), data_.data() + r.offset, r.bytes);
    }
    template <class T>
    std::vector<T> values(std::string_view name) const {
        const Record& r = record(name);
        std::vector<T> out(r.bytes / sizeof(T));
        read<T>(name, std::span<T>(out));
        return out;
    }
    std::uint64_t u64(std::string_view name) const {
        std::uint64_t value = 0;
        read(name, std::span<std::uint64_t>(&value, 1));
        return value;
    }
    double f64(std::string_view name) const {
        double value = 0;
        read(name, std::span<double>(&value, 1));
        return value;
    }
    std::string text(std::string_view name) const {
        const Record& r = record(name);
        require(r.type == RecordType::text, "checkpoint ", file_, ": record \"", name, "\" is not text");
        return data_.substr(r.offset, r.bytes);
    }

private:
    template <class V>
    V take(std::size_t& pos, const char* what) const {
        require(pos + sizeof(V) <= data_.size() - 4, "checkpoint ", file_, ": malformed record structure (", what,
                " runs past the end)");
        V value;
        std::memcpy(&value, data_.data() + pos, sizeof(V));
        pos += sizeof(V);
        return value;
    }
    void parse() {
        constexpr std::size_t header = sizeof checkpoint_magic + 16;
        require(data_.size() >= sizeof checkpoint_magic &&
                    std::memcmp(data_.data(), checkpoint_magic, sizeof checkpoint_magic) == 0,
                "checkpoint ", file_, ": not a latentlab checkpoint (bad magic)");
        require(data_.size() >= header + 4, "checkpoint ", file_, ": truncated (", data_.size(), " bytes)");
        std::uint32_t version, count;
        std::uint64_t size;
        std::memcpy(&version, data_.data() + 8, 4);
        std::memcpy(&count, data_.data() + 12, 4);
        std::memcpy(&size, data_.data() + 16, 8);
        require(version == checkpoint_version, "checkpoint ", file_, ": format version ", version,
                ", this latentlab reads version ", checkpoint_version);
        require(data_.size() >= size, "checkpoint ", file_, ": truncated: ", data_.size(), " of ", size, " bytes");
        require(data_.size() == size, "checkpoint ", file_, ": ", data_.size() - size,
                " bytes of garbage after the end (", size, " bytes)");
        std::uint32_t stored_crc;
        std::memcpy(&stored_crc, data_.data() + size - 4, 4);
        require(crc32_of(std::span<const char>(data_.data(), size - 4)) == stored_crc, "checkpoint ", file_,
                ": corrupted (CRC-32 mismatch)");
        std::size_t pos = header;
        for (std::uint32_t i = 0; i < count; ++i) {
            const auto name_size = take<std::uint16_t>(pos, "a name length");
            require(pos + name_size <= data_.size() - 4, "checkpoint ", file_, ": malformed record ", i);
            std::string name = data_.substr(pos, name_size);
            pos += name_size;
            Record r;
            const auto type = take<std::uint8_t>(pos, "a type");
            require(type >= 1 && type <= 4, "checkpoint ", file_, ": record \"", name, "\" has unknown type ",
                    int{type});
            r.type = static_cast<RecordType>(type);
            const auto rank = take<std::uint8_t>(pos, "a rank");
            std::uint64_t elements = 1;
            for (int d = 0; d < rank; ++d) {
                r.shape.push_back(take<std::uint64_t>(pos, "a shape"));
                require(r.shape.back() == 0 || elements <= UINT64_MAX / r.shape.back(), "checkpoint ", file_,
                        ": record \"", name, "\" has an impossible shape");
                elements *= r.shape.back();
            }
            const std::size_t available = data_.size() - 4 - pos;
            require(elements <= available / checkpoint_detail::element_size(r.type), "checkpoint ", file_,
                    ": record \"", name, "\" runs past the end of the file");
            r.offset = pos;
            r.bytes = elements * checkpoint_detail::element_size(r.type);
            pos += r.bytes;
            require(records_.emplace(std::move(name), std::move(r)).second, "checkpoint ", file_,
                    ": two records with the same name");
        }
        require(pos == data_.size() - 4, "checkpoint ", file_, ": ", data_.size() - 4 - pos,
                " unexplained bytes after the last record");
    }

    std::string file_;
    std::string data_;
    std::map<std::string, Record, std::less<>> records_;
};

// What a network is, as text: its value type, input shape, every layer with its output
// shape and parameter count. Two networks with the same signature have the same tensors.
template <class Net>
std::string network_signature(Net& net) {
    std::ostringstream out;
    out << "value " << (sizeof(typename Net::value_type) == 4 ? "float32" : "float64") << "; input "
        << Net::input_shape::dims << "\n";
    visit_layers(net.root(), [&](auto& layer, int depth) {
        using L = std::remove_cvref_t<decltype(layer)>;
        out << std::string(2 * depth, ' ') << L::name() << " -> " << L::output_shape::dims << " ("
            << L::parameter_count << " parameters)\n";
    });
    return out.str();
}

namespace checkpoint_detail {
inline std::string first_difference(const std::string& expected, const std::string& found) {
    std::istringstream a(expected), b(found);
    std::string la, lb;
    for (int line = 1;; ++line) {
        const bool more_a = static_cast<bool>(std::getline(a, la)), more_b = static_cast<bool>(std::getline(b, lb));
        if (!more_a && !more_b) return "";
        if (!more_a || !more_b || la != lb)
            return "line " + std::to_string(line) + ": this network has \"" + (more_a ? la : "<end>") +
                   "\", the checkpoint \"" + (more_b ? lb : "<end>") + "\"";
    }
}
inline std::vector<std::uint64_t> extents(const std::vector<std::size_t>& shape) {
    return {shape.begin(), shape.end()};
}
}  // namespace checkpoint_detail

template <class Net>
void add_network(CheckpointWriter& writer, Net& net) {
    using T = typename Net::value_type;
    writer.add_text("network.signature", network_signature(net));
    for (const auto& info : net.parameter_infos()) {
        const auto values = info.trainable ? std::span<const T>(net.parameters()) : std::span<const T>(net.state());
        std::size_t count = 1;
        for (auto extent : info.shape) count *= extent;
        writer.add((info.trainable ? "param." : "state.") + info.name, values.subspan(info.offset, count),
                   checkpoint_detail::extents(info.shape));
    }
}

// Checks that the checkpoint is of this network and holds every tensor with its shape.
template <class Net>
void check_network(const CheckpointReader& reader, Net& net) {
    using T = typename Net::value_type;
    const std::string expected = network_signature(net);
    const std::string found = reader.text("network.signature");
    require(found == expected, "checkpoint ", reader.file(), " is of another network (",
            checkpoint_detail::first_difference(expected, found), ")");
    for (const auto& info : net.parameter_infos()) {
        std::size_t count = 1;
        for (auto extent : info.shape) count *= extent;
        reader.expect<T>((info.trainable ? "param." : "state.") + info.name, count,
                         checkpoint_detail::extents(info.shape));
    }
}

// Copies the tensors into the network; call check_network first.
template <class Net>
void restore_network(const CheckpointReader& reader, Net& net) {
    using T = typename Net::value_type;
    for (const auto& info : net.parameter_infos()) {
        std::size_t count = 1;
        for (auto extent : info.shape) count *= extent;
        auto values = info.trainable ? net.parameters() : net.state();
        reader.read<T>((info.trainable ? "param." : "state.") + info.name, values.subspan(info.offset, count));
    }
}

// A weights-only checkpoint: what predict() and the analysis need after training.
template <class Net>
void save_checkpoint(Net& net, const std::filesystem::path& path) {
    CheckpointWriter writer;
    add_network(writer, net);
    writer.save(path);
}
template <class Net>
void load_checkpoint(Net& net, const std::filesystem::path& path) {
    const CheckpointReader reader(path);
    check_network(reader, net);
    restore_network(reader, net);
}

}  // namespace latentlab::train
