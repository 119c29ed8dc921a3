#pragma once
// Reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0).
//
// Our own reader rather than xtensor's: xtensor 0.24's load_npy accepts truncated files and
// silently returns garbage. This one checks everything the header promises against the file
// (magic, version, header dictionary, dtype, shape × item size = data bytes, nothing after
// the data) and throws latentlab::Error naming the file and what is wrong.
//
// load_npy<T> converts any supported dtype (f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, any byte order)
// to T with static_cast and returns a C-order array, also for fortran_order files.
// save_npy writes version 1.0 (2.0 only if the header would not fit in 64 KiB),
// little-endian, C order, the dtype taken from the value type.
// parse_npy and npy_bytes do the same for a .npy held in memory (the members of an .npz
// archive, data/npz.hpp) with the same code.
#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <xtensor/xarray.hpp>

#include "latentlab/core/error.hpp"

namespace latentlab {

namespace npy_detail {

inline constexpr std::array<char, 6> magic = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
inline constexpr std::size_t header_alignment = 64;

enum class Kind { floating, signed_integer, unsigned_integer, boolean };

// A dtype the reader supports: kind, item size and whether its bytes must be reversed
// to be read on this machine.
struct Dtype {
    Kind kind = Kind::floating;
    std::size_t size = 0;
    bool swap = false;
    std::string descr;  // as written in the file, for messages

    std::string name() const {
        switch (kind) {
            case Kind::floating: return "float" + std::to_string(size * 8);
            case Kind::signed_integer: return "int" + std::to_string(size * 8);
            case Kind::unsigned_integer: return "uint" + std::to_string(size * 8);
            case Kind::boolean: return "bool";
        }
        return descr;
    }
};

struct Header {
    std::string descr;       // the descr value: a dtype string, or the raw text of a list
    bool descr_is_string = true;
    bool fortran_order = false;
    std::vector<std::size_t> shape;
};

inline std::string shape_text(std::span<const std::size_t> shape) {
    if (shape.empty()) return "scalar";
    std::string text;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) text += "×";
        text += std::to_string(shape[i]);
    }
    return text;
}

// Parser for the Python dict literal in the header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// It accepts what numpy's reader accepts in practice (either quote, any key order,
// optional trailing commas, Python 2 "3L" integers) and nothing else.
class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

    Header parse() {
        Header header;
        bool have_descr = false, have_order = false, have_shape = false;
        skip_space();
        expect('{', "the header dictionary must start with '{'");
        skip_space();
        while (!at('}')) {
            const std::string key = parse_string("a quoted key");
            skip_space();
            expect(':', "expected ':' after key '" + key + "'");
            skip_space();
            if (key == "descr") {
                if (have_descr) malformed("key 'descr' appears twice");
                have_descr = true;
                if (at('[')) {
                    header.descr = raw_list();
                    header.descr_is_string = false;
                } else {
                    header.descr = parse_string("the descr value (a quoted dtype string)");
                }
            } else if (key == "fortran_order") {
                if (have_order) malformed("key 'fortran_order' appears twice");
                have_order = true;
                header.fortran_order = parse_bool();
            } else if (key == "shape") {
                if (have_shape) malformed("key 'shape' appears twice");
                have_shape = true;
                header.shape = parse_shape();
            } else {
                malformed("unexpected key '" + key + "' (a .npy header has exactly 'descr', "
                          "'fortran_order' and 'shape')");
            }
            skip_space();
            if (at(',')) {
                ++pos_;
                skip_space();
            } else if (!at('}')) {
                malformed("expected ',' or '}' after the value of '" + key + "'");
            }
        }
        ++pos_;
        skip_space();
        if (pos_ != text_.size()) malformed("unexpected text after the closing '}'");
        if (!have_descr) malformed("no 'descr' key");
        if (!have_order) malformed("no 'fortran_order' key");
        if (!have_shape) malformed("no 'shape' key");
        return header;
    }

private:
    [[noreturn]] void malformed(const std::string& what) const {
        fail(file_, ": malformed header: ", what, " (at character ", pos_, " of \"",
             printable(text_), "\")");
    }

    static std::string printable(std::string_view text) {
        while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
        std::string out;
        for (char c : text) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
        return out;
    }

    bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

    void expect(char c, const std::string& what) {
        if (!at(c)) malformed(what);
        ++pos_;
    }

    void skip_space() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    std::string parse_string(const std::string& what) {
        if (!at('\'') && !at('"')) malformed("expected " + what);
        const char quote = text_[pos_++];
        const std::size_t begin = pos_;
        while (pos_ < text_.size() && text_[pos_] != quote) {
            if (text_[pos_] == '\\') malformed("escape sequences are not supported in strings");
            ++pos_;
        }
        if (pos_ == text_.size()) malformed("unterminated string");
        std::string value(text_.substr(begin, pos_ - begin));
        ++pos_;
        return value;
    }

    bool parse_bool() {
        if (text_.substr(pos_, 4) == "True") {
            pos_ += 4;
            return true;
        }
        if (text_.substr(pos_, 5) == "False") {
            pos_ += 5;
            return false;
        }
        malformed("fortran_order must be True or False");
    }

    std::vector<std::size_t> parse_shape() {
        expect('(', "shape must be a tuple such as (2, 3), (3,) or ()");
        std::vector<std::size_t> shape;
        skip_space();
        while (!at(')')) {
            if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') {
                malformed("shape entries must be non-negative integers");
            }
            std::size_t value = 0;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
                const std::size_t digit = static_cast<std::size_t>(text_[pos_] - '0');
                if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) {
                    malformed("shape entry too large");
                }
                value = value * 10 + digit;
                ++pos_;
            }
            if (at('L')) ++pos_;  // Python 2 long literal
            shape.push_back(value);
            skip_space();
            if (at(',')) {
                ++pos_;
                skip_space();
            } else if (!at(')')) {
                malformed("expected ',' or ')' in shape");
            }
        }
        ++pos_;
        return shape;
    }

    // A list descr means a structured dtype; keep its text for the error message.
    std::string raw_list() {
        const std::size_t begin = pos_;
        int depth = 0;
        char quote = 0;
        for (; pos_ < text_.size(); ++pos_) {
            const char c = text_[pos_];
            if (quote) {
                if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[' || c == '(') {
                ++depth;
            } else if (c == ']' || c == ')') {
                if (--depth == 0) {
                    ++pos_;
                    return std::string(text_.substr(begin, pos_ - begin));
                }
            }
        }
        malformed("unterminated list in descr");
    }

    std::string_view text_;
    const std::string& file_;
    std::size_t pos_ = 0;
};

inline Dtype parse_dtype(const Header& header, const std::string& file) {
    const auto unsupported = [&](const std::string& why) -> Dtype {
        fail(file, ": unsupported dtype ", header.descr_is_string ? "'" : "", header.descr,
             header.descr_is_string ? "'" : "", " (", why,
             "); supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 in any byte order");
    };
    if (!header.descr_is_string) return unsupported("structured dtype");
    std::string_view descr = header.descr;
    Dtype dtype;
    dtype.descr = header.descr;
    char order = '=';
    if (!descr.empty() && (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' ||
                           descr[0] == '=')) {
        order = descr[0];
        descr.remove_prefix(1);
    }
    if (descr.empty()) return unsupported("empty type code");
    switch (descr[0]) {
        case 'f': dtype.kind = Kind::floating; break;
        case 'i': dtype.kind = Kind::signed_integer; break;
        case 'u': dtype.kind = Kind::unsigned_integer; break;
        case 'b': dtype.kind = Kind::boolean; break;
        case 'c': return unsupported("complex");
        case 'O': return unsupported("Python objects");
        case 'U':
        case 'S':
        case 'a': return unsupported("strings");
        case 'V': return unsupported("raw bytes / structured");
        case 'M':
        case 'm': return unsupported("date/time");
        default: return unsupported("unknown type code");
    }
    const std::string_view digits = descr.substr(1);
    if (digits == "1") dtype.size = 1;
    else if (digits == "2") dtype.size = 2;
    else if (digits == "4") dtype.size = 4;
    else if (digits == "8") dtype.size = 8;
    else return unsupported("unsupported item size");
    const bool ok = (dtype.kind == Kind::floating && dtype.size >= 4) ||
                    dtype.kind == Kind::signed_integer ||
                    dtype.kind == Kind::unsigned_integer ||
                    (dtype.kind == Kind::boolean && dtype.size == 1);
    if (!ok) return unsupported("unsupported item size");
    // '|' (not applicable) and '=' (native) read as native order, as numpy does.
    const bool little = std::endian::native == std::endian::little;
    dtype.swap = dtype.size > 1 && ((order == '<' && !little) || (order == '>' && little));
    return dtype;
}

template <class T>
constexpr bool is_supported_value = std::is_same_v<T, bool> ||
                                    (std::is_integral_v<T> && (sizeof(T) == 1 || sizeof(T) == 2 ||
                                                               sizeof(T) == 4 || sizeof(T) == 8)) ||
                                    std::is_same_v<T, float> || std::is_same_v<T, double>;

// The descr written for T (little-endian).
template <class T>
std::string descr_of() {
    static_assert(is_supported_value<T>,
                  "save_npy supports bool, float, double and 8/16/32/64-bit integers");
    if constexpr (std::is_same_v<T, bool>) return "|b1";
    else if constexpr (std::is_floating_point_v<T>) return "<f" + std::to_string(sizeof(T));
    else {
        const char kind = std::is_signed_v<T> ? 'i' : 'u';
        return std::string(sizeof(T) == 1 ? "|" : "<") + kind + std::to_string(sizeof(T));
    }
}

// Converts `count` items of raw bytes of type Source to T.
template <class Source, class T>
void convert(const char* bytes, std::size_t count, bool swap, T* out) {
    std::array<char, sizeof(Source)> item{};
    for (std::size_t i = 0; i < count; ++i) {
        std::memcpy(item.data(), bytes + i * sizeof(Source), sizeof(Source));
        if (swap) std::reverse(item.begin(), item.end());
        if constexpr (std::is_same_v<Source, bool>) {
            out[i] = static_cast<T>(item[0] != 0);
        } else {
            Source value;
            std::memcpy(&value, item.data(), sizeof(Source));
            out[i] = static_cast<T>(value);
        }
    }
}

template <class T>
void convert_from(const Dtype& dtype, const char* bytes, std::size_t count, T* out) {
    switch (dtype.kind) {
        case Kind::floating:
            if (dtype.size == 4) return convert<float>(bytes, count, dtype.swap, out);
            return convert<double>(bytes, count, dtype.swap, out);
        case Kind::signed_integer:
            switch (dtype.size) {
                case 1: return convert<std::int8_t>(bytes, count, dtype.swap, out);
                case 2: return convert<std::int16_t>(bytes, count, dtype.swap, out);
                case 4: return convert<std::int32_t>(bytes, count, dtype.swap, out);
                default: return convert<std::int64_t>(bytes, count, dtype.swap, out);
            }
        case Kind::unsigned_integer:
            switch (dtype.size) {
                case 1: return convert<std::uint8_t>(bytes, count, dtype.swap, out);
                case 2: return convert<std::uint16_t>(bytes, count, dtype.swap, out);
                case 4: return convert<std::uint32_t>(bytes, count, dtype.swap, out);
                default: return convert<std::uint64_t>(bytes, count, dtype.swap, out);
            }
        case Kind::boolean: return convert<bool>(bytes, count, dtype.swap, out);
    }
}

// True when the file's items are exactly T's bytes, so they can be read in place.
template <class T>
bool same_representation(const Dtype& dtype) {
    if (dtype.swap || dtype.size != sizeof(T)) return false;
    if constexpr (std::is_same_v<T, bool>) return false;  // bytes other than 0/1 are not bools
    else if constexpr (std::is_floating_point_v<T>) return dtype.kind == Kind::floating;
    else if constexpr (std::is_integral_v<T>) {
        return dtype.kind == (std::is_signed_v<T> ? Kind::signed_integer : Kind::unsigned_integer);
    } else {
        return false;
    }
}

template <class T>
void read_items(std::istream& in, const Dtype& dtype, std::size_t count, T* out,
                const std::string& file) {
    const auto check = [&](std::size_t wanted) {
        require(static_cast<std::size_t>(in.gcount()) == wanted, file,
                ": read error: the file ended early or could not be read");
    };
    if (same_representation<T>(dtype)) {
        const std::size_t bytes = count * sizeof(T);
        in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(bytes));
        check(bytes);
        return;
    }
    constexpr std::size_t chunk_items = 1 << 16;
    std::vector<char> buffer(std::min(count, chunk_items) * dtype.size);
    for (std::size_t done = 0; done < count;) {
        const std::size_t n = std::min(chunk_items, count - done);
        in.read(buffer.data(), static_cast<std::streamsize>(n * dtype.size));
        check(n * dtype.size);
        convert_from(dtype, buffer.data(), n, out + done);
        done += n;
    }
}

inline std::uint32_t little_endian_u32(const unsigned char* bytes, std::size_t count) {
    std::uint32_t value = 0;
    for (std::size_t i = count; i-- > 0;) value = (value << 8) | bytes[i];
    return value;
}

inline std::string format_header(const std::string& descr, std::span<const std::size_t> shape,
                                 std::size_t preamble) {
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) dict += ", ";
        dict += std::to_string(shape[i]);
    }
    if (shape.size() == 1) dict += ",";
    dict += "), }";
    // Pad with spaces so magic + version + length + dict + '\n' is a multiple of 64.
    const std::size_t unpadded = preamble + dict.size() + 1;
    const std::size_t padded = (unpadded + header_alignment - 1) / header_alignment * header_alignment;
    dict.append(padded - unpadded, ' ');
    dict += '\n';
    return dict;
}

// A read-only std::streambuf over bytes in memory (an .npz member), so that files and
// buffers share one reader.
class MemoryBuffer : public std::streambuf {
public:
    explicit MemoryBuffer(std::span<const char> bytes) {
        char* begin = const_cast<char*>(bytes.data());  // the get area is only read
        setg(begin, begin, begin + bytes.size());
    }
};

// Reads one whole .npy from `in`, which holds exactly `size` more bytes (anything before
// or after it is the caller's business); `file` names the source in messages.
template <class T>
xt::xarray<T> read_npy(std::istream& in, std::size_t size, const std::string& file) {
    static_assert(is_supported_value<T>,
                  "load_npy<T>: T must be bool, float, double or an 8/16/32/64-bit integer");
    std::array<char, 8> start{};
    in.read(start.data(), static_cast<std::streamsize>(std::min<std::size_t>(size, 8)));
    require(size >= magic.size() && std::equal(magic.begin(), magic.end(), start.begin()),
            file, ": not a .npy file (bad magic: it must start with \\x93NUMPY)");
    require(size >= 8, file, ": truncated: the file ends inside the format version");
    const int major = static_cast<unsigned char>(start[6]);
    const int minor = static_cast<unsigned char>(start[7]);
    require((major == 1 || major == 2 || major == 3) && minor == 0, file,
            ": unsupported .npy format version ", major, ".", minor, " (expected 1.0, 2.0 or 3.0)");

    const std::size_t length_bytes = major == 1 ? 2 : 4;
    const std::size_t preamble = 8 + length_bytes;
    require(size >= preamble, file, ": truncated: the file ends inside the header length");
    std::array<unsigned char, 4> length_field{};
    in.read(reinterpret_cast<char*>(length_field.data()), static_cast<std::streamsize>(length_bytes));
    const std::size_t header_length = little_endian_u32(length_field.data(), length_bytes);
    require(header_length <= size - preamble, file, ": truncated: the header is said to be ",
            header_length, " bytes, but only ", size - preamble, " follow the preamble");

    std::string header_text(header_length, '\0');
    in.read(header_text.data(), static_cast<std::streamsize>(header_length));
    require(static_cast<std::size_t>(in.gcount()) == header_length, file,
            ": read error in the header");
    const Header header = HeaderParser(header_text, file).parse();
    const Dtype dtype = parse_dtype(header, file);

    std::size_t count = 1;
    for (std::size_t extent : header.shape) {
        require(extent == 0 || count <= std::numeric_limits<std::size_t>::max() / extent, file,
                ": shape ", shape_text(header.shape), " is too large");
        count *= extent;
    }
    require(count <= std::numeric_limits<std::size_t>::max() / dtype.size, file, ": shape ",
            shape_text(header.shape), " is too large");
    const std::size_t expected = count * dtype.size;
    const std::size_t present = size - preamble - header_length;
    if (present != expected) {
        fail(file, present < expected ? ": truncated: " : ": trailing garbage: ", "header says ",
             shape_text(header.shape), " ", dtype.name(), " = ", expected,
             " bytes of data, file has ", present);
    }

    if (header.fortran_order && header.shape.size() > 1) {
        auto column_major = xt::xarray<T, xt::layout_type::column_major>::from_shape(header.shape);
        read_items(in, dtype, count, column_major.data(), file);
        xt::xarray<T> result = column_major;
        return result;
    }
    auto result = xt::xarray<T>::from_shape(header.shape);
    read_items(in, dtype, count, result.data(), file);
    return result;
}

// Writes one .npy of `shape`-shaped values stored contiguously in C order at `data`.
template <class T>
void write_npy(std::ostream& out, const T* data, std::span<const std::size_t> shape, const std::string& file) {
    using value_type = std::remove_cv_t<T>;
    std::size_t count = 1;
    for (std::size_t extent : shape) count *= extent;
    require(data != nullptr || count == 0, file, ": save_npy was given no data for shape ",
            shape_text(shape));

    std::string dict = format_header(descr_of<value_type>(), shape, 10);
    std::string preamble(magic.begin(), magic.end());
    if (dict.size() <= 0xFFFF) {
        preamble += '\x01';
        preamble += '\x00';
        preamble += static_cast<char>(dict.size() & 0xFF);
        preamble += static_cast<char>((dict.size() >> 8) & 0xFF);
    } else {  // only for absurdly high ranks: version 2.0 has a 4-byte header length
        dict = format_header(descr_of<value_type>(), shape, 12);
        preamble += '\x02';
        preamble += '\x00';
        for (int i = 0; i < 4; ++i) preamble += static_cast<char>((dict.size() >> (8 * i)) & 0xFF);
    }

    out.write(preamble.data(), static_cast<std::streamsize>(preamble.size()));
    out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
    if (std::endian::native == std::endian::little || sizeof(value_type) == 1) {
        out.write(reinterpret_cast<const char*>(data),
                  static_cast<std::streamsize>(count * sizeof(value_type)));
    } else {
        std::array<char, sizeof(value_type)> item{};
        for (std::size_t i = 0; i < count; ++i) {
            std::memcpy(item.data(), data + i, sizeof(value_type));
            std::reverse(item.begin(), item.end());
            out.write(item.data(), static_cast<std::streamsize>(item.size()));
        }
    }
}

// Calls write(data, shape) with the expression's values contiguous in C order: containers
// that already are go in place, anything else is evaluated once into a copy.
template <class E, class Write>
void with_c_order(const xt::xexpression<E>& expression, Write&& write) {
    using value_type = std::decay_t<typename E::value_type>;
    const E& e = expression.derived_cast();
    const std::vector<std::size_t> shape(e.shape().begin(), e.shape().end());
    if constexpr (xt::has_data_interface<E>::value) {
        // xtensor stores stride 0 for extents of 1: compare only the extents that matter.
        bool c_contiguous = true;
        std::ptrdiff_t expected = 1;
        for (std::size_t i = shape.size(); i-- > 0;) {
            if (shape[i] > 1 && static_cast<std::ptrdiff_t>(e.strides()[i]) != expected) {
                c_contiguous = false;
            }
            expected *= static_cast<std::ptrdiff_t>(shape[i]);
        }
        if (c_contiguous) {
            write(e.data() + e.data_offset(), std::span<const std::size_t>(shape));
            return;
        }
    }
    const xt::xarray<value_type, xt::layout_type::row_major> copy = e;
    write(copy.data(), std::span<const std::size_t>(shape));
}

}  // namespace npy_detail

// Reads a .npy file, converting its values to T. The result is in C (row-major) order.
template <class T>
xt::xarray<T> load_npy(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::ifstream in(path, std::ios::binary);
    require(in.is_open(), file, ": cannot open for reading");
    in.seekg(0, std::ios::end);
    const auto end = in.tellg();
    require(end >= 0, file, ": cannot determine the file size");
    in.seekg(0, std::ios::beg);
    return npy_detail::read_npy<T>(in, static_cast<std::size_t>(end), file);
}

// Reads a whole .npy held in memory (an .npz member); `name` names it in messages.
template <class T>
xt::xarray<T> parse_npy(std::span<const char> bytes, const std::string& name) {
    npy_detail::MemoryBuffer buffer(bytes);
    std::istream in(&buffer);
    return npy_detail::read_npy<T>(in, bytes.size(), name);
}

// Writes `shape`-shaped values stored contiguously in C order at `data`.
template <class T>
void save_npy(const std::filesystem::path& path, const T* data,
              std::span<const std::size_t> shape) {
    const std::string file = path.string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    require(out.is_open(), file, ": cannot open for writing");
    npy_detail::write_npy(out, data, shape, file);
    out.close();
    require(!out.fail(), file, ": write failed");
}

// The bytes of the .npy file that save_npy would write (an .npz member).
template <class T>
std::string npy_bytes(const T* data, std::span<const std::size_t> shape, const std::string& name) {
    std::ostringstream out(std::ios::binary);
    npy_detail::write_npy(out, data, shape, name);
    return std::move(out).str();
}

// Writes an xtensor expression (evaluated once; containers in C order are written in place).
template <class E>
void save_npy(const std::filesystem::path& path, const xt::xexpression<E>& expression) {
    npy_detail::with_c_order(expression, [&](const auto* data, std::span<const std::size_t> shape) {
        save_npy(path, data, shape);
    });
}

}  // namespace latentlab
