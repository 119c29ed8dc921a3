#pragma once
// NumPy .npz archives: a zip file whose members are .npy files named "<array>.npy", as
// np.savez (members stored) and np.savez_compressed (members deflated) write them.
//
// NpzReader reads the central directory once and then any member on request, stored or
// deflated, checking what the directory promises (method, sizes, CRC-32, the member's local
// header) before the .npy inside is parsed by the validating reader of data/npy.hpp. A
// truncated or corrupt archive, a missing member or an unsupported feature (encryption,
// ZIP64, multi-disk archives, methods other than store and deflate) is an Error naming the
// file and the member.
//
// NpzWriter writes stored members, as np.savez does, with a fixed timestamp (1980-01-01) so
// that the same arrays give the same bytes. Archives stay below 4 GiB and 65,535 members:
// larger ones would need ZIP64, which neither side implements, and are refused with an Error.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xtensor/xarray.hpp>
#include <zlib.h>

#include "latentlab/core/crc32.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/data/binary_file.hpp"
#include "latentlab/data/npy.hpp"

namespace latentlab::data {

namespace npz_detail {

inline constexpr std::uint32_t local_signature = 0x04034b50;
inline constexpr std::uint32_t central_signature = 0x02014b50;
inline constexpr std::uint32_t end_signature = 0x06054b50;
inline constexpr std::size_t local_header_size = 30;
inline constexpr std::size_t central_header_size = 46;
inline constexpr std::size_t end_record_size = 22;
inline constexpr std::size_t max_comment_size = 0xFFFF;
inline constexpr std::uint16_t stored = 0;
inline constexpr std::uint16_t deflated = 8;
inline constexpr std::uint16_t encrypted_flag = 1;
inline constexpr std::uint16_t data_descriptor_flag = 1 << 3;  // CRC and sizes follow the data
inline constexpr std::uint16_t utf8_flag = 1 << 11;
inline constexpr std::uint16_t zip_version = 20;              // 2.0: deflate, no ZIP64
inline constexpr std::uint16_t dos_date_1980_01_01 = (0 << 9) | (1 << 5) | 1;
inline constexpr std::uint64_t zip32_limit = 0xFFFFFFFF;      // larger values need ZIP64
inline constexpr std::size_t max_members = 0xFFFF;

inline std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
inline std::uint32_t get32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(get16(p)) | (static_cast<std::uint32_t>(get16(p + 2)) << 16);
}
inline void put16(std::string& out, std::uint64_t value) {
    out += static_cast<char>(value & 0xFF);
    out += static_cast<char>((value >> 8) & 0xFF);
}
inline void put32(std::string& out, std::uint64_t value) {
    put16(out, value & 0xFFFF);
    put16(out, (value >> 16) & 0xFFFF);
}

// Inflates a raw deflate stream (no zlib or gzip wrapper, as in zip files) that must give
// exactly `size` bytes and end exactly where `compressed` ends. Both sizes are below 4 GiB
// (the directory's 32-bit fields), so zlib takes them in one piece.
inline std::string inflate_raw(std::span<const char> compressed, std::size_t size, const std::string& what) {
    struct Inflater {  // releases zlib's state on every way out, exceptions included
        z_stream stream{};
        ~Inflater() { inflateEnd(&stream); }
    } inflater;
    z_stream& stream = inflater.stream;
    require(inflateInit2(&stream, -MAX_WBITS) == Z_OK, what, ": cannot initialise zlib");
    std::string out(size, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));  // zlib does not write it
    stream.avail_in = static_cast<uInt>(compressed.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(size);
    const int status = inflate(&stream, Z_FINISH);
    if (status == Z_STREAM_END) {
        require(stream.avail_in == 0, what, ": corrupt: ", stream.avail_in,
                " bytes follow the end of the compressed data");
        return out;
    }
    if (status == Z_DATA_ERROR || status == Z_NEED_DICT)
        fail(what, ": corrupt compressed data (zlib: ", stream.msg ? stream.msg : "invalid data", ")");
    if (status == Z_MEM_ERROR) fail(what, ": out of memory while decompressing");
    if (stream.avail_out == 0)
        fail(what, ": corrupt: the data decompresses to more than the ", size, " bytes the directory declares");
    fail(what, ": truncated: the compressed data ends after ", stream.total_out, " of ", size, " bytes");
}

// The name NumPy gives an archive member's array: the member name without ".npy".
inline std::string array_name(std::string_view member) {
    constexpr std::string_view suffix = ".npy";
    if (member.size() > suffix.size() && member.ends_with(suffix)) member.remove_suffix(suffix.size());
    return std::string(member);
}

}  // namespace npz_detail

// Reads the arrays of one .npz archive. The file stays open while the reader lives.
class NpzReader {
public:
    explicit NpzReader(const std::filesystem::path& path) : file_(path.string()) {
        using namespace npz_detail;
        const std::uint64_t size = regular_file_size(path);
        in_.open(path, std::ios::binary);
        require(in_.is_open(), file_, ": cannot open for reading");
        require(size >= end_record_size, file_, ": not an .npz (zip) archive: ", size,
                " bytes is shorter than a zip file's end record (", end_record_size, " bytes)");

        // The end record is the last 22 bytes plus a comment of up to 64 KiB: search backwards
        // for a signature whose comment length reaches exactly to the end of the file.
        const std::size_t tail_size = static_cast<std::size_t>(std::min<std::uint64_t>(size, end_record_size + max_comment_size));
        std::vector<std::uint8_t> tail(tail_size);
        read_exactly(in_, file_, size - tail_size, tail.data(), tail_size);
        std::size_t end = tail_size;  // position of the end record in `tail`
        for (std::size_t at = tail_size - end_record_size + 1; at-- > 0;) {
            if (get32(&tail[at]) == end_signature && at + end_record_size + get16(&tail[at + 20]) == tail_size) {
                end = at;
                break;
            }
        }
        require(end < tail_size, file_, ": not an .npz (zip) archive, or truncated: no end-of-central-directory record");
        const std::uint8_t* record = &tail[end];
        const std::uint64_t end_offset = size - tail_size + end;
        const std::size_t entries = get16(record + 10);
        const std::uint64_t directory_size = get32(record + 12), directory_offset = get32(record + 16);
        require(entries != 0xFFFF && directory_size != zip32_limit && directory_offset != zip32_limit, file_,
                ": a ZIP64 archive (over 4 GiB or 65,535 members), which is not supported");
        require(get16(record + 4) == 0 && get16(record + 6) == 0 && get16(record + 8) == entries, file_,
                ": a multi-disk zip archive, which is not supported");
        require(directory_offset + directory_size <= end_offset, file_, ": corrupt: the central directory (",
                directory_size, " bytes at offset ", directory_offset, ") overlaps its end record at offset ",
                end_offset);
        directory_offset_ = directory_offset;

        std::vector<std::uint8_t> directory(static_cast<std::size_t>(directory_size));
        read_exactly(in_, file_, directory_offset, directory.data(), directory.size());
        std::size_t at = 0;
        for (std::size_t i = 0; i < entries; ++i) {
            require(at + central_header_size <= directory.size() && get32(&directory[at]) == central_signature, file_,
                    ": corrupt: central directory entry ", i + 1, " of ", entries, " is damaged or missing");
            const std::uint8_t* entry = &directory[at];
            const std::size_t name_size = get16(entry + 28);
            const std::size_t skip = central_header_size + name_size + get16(entry + 30) + get16(entry + 32);
            require(at + skip <= directory.size(), file_, ": corrupt: central directory entry ", i + 1,
                    " runs past the end of the directory");
            Member member;
            member.member.assign(reinterpret_cast<const char*>(entry + central_header_size), name_size);
            member.flags = get16(entry + 8);
            member.method = get16(entry + 10);
            member.crc = get32(entry + 16);
            member.compressed_size = get32(entry + 20);
            member.size = get32(entry + 24);
            member.local_offset = get32(entry + 42);
            check_member(member);
            at += skip;
        }
    }

    const std::string& file() const { return file_; }
    // The arrays' names in archive order, as NumPy lists them (member names without ".npy").
    std::vector<std::string> names() const {
        std::vector<std::string> names;
        for (const auto& member : members_) names.push_back(member.name);
        return names;
    }
    bool contains(std::string_view name) const { return find(name) != nullptr; }

    // Reads the array `name` (as names() lists it), converting its values to T (load_npy's rules).
    template <class T>
    xt::xarray<T> read(std::string_view name) {
        const Member* member = find(name);
        if (member == nullptr) {
            std::string present;
            for (const auto& m : members_) present += (present.empty() ? "'" : ", '") + m.name + "'";
            fail(file_, ": no array '", name, "' in the archive (it holds ",
                 present.empty() ? std::string("no arrays") : present, ")");
        }
        const std::string bytes = member_bytes(*member);
        return parse_npy<T>(bytes, describe(*member));
    }

private:
    struct Member {
        std::string member;  // the zip member name, "e1.weight.npy"
        std::string name;    // the array name, "e1.weight"
        std::uint16_t flags = 0, method = 0;
        std::uint32_t crc = 0;
        std::uint64_t compressed_size = 0, size = 0, local_offset = 0;
    };

    std::string describe(const Member& member) const { return file_ + ", member '" + member.member + "'"; }

    const Member* find(std::string_view name) const {
        for (const auto& member : members_)
            if (member.name == name || member.member == name) return &member;
        return nullptr;
    }

    void check_member(Member& member) {
        using namespace npz_detail;
        const std::string what = describe(member);
        require(!(member.flags & encrypted_flag), what, ": encrypted members are not supported");
        require(member.method == stored || member.method == deflated, what, ": compression method ", member.method,
                " is not supported (only 0, stored, and 8, deflate, as NumPy writes)");
        require(member.compressed_size != zip32_limit && member.size != zip32_limit &&
                    member.local_offset != zip32_limit,
                what, ": a ZIP64 member (over 4 GiB), which is not supported");
        require(member.method == deflated || member.compressed_size == member.size, what,
                ": corrupt: a stored member of ", member.size, " bytes occupies ", member.compressed_size);
        require(member.local_offset + local_header_size + member.compressed_size <= directory_offset_, what,
                ": corrupt: its data (", member.compressed_size, " bytes at offset ", member.local_offset,
                ") runs into the central directory at offset ", directory_offset_);
        member.name = array_name(member.member);
        for (const auto& other : members_)
            require(other.name != member.name, file_, ": corrupt: two members hold array '", member.name, "'");
        members_.push_back(std::move(member));
    }

    // The member's uncompressed bytes, checked against its local header, sizes and CRC-32.
    std::string member_bytes(const Member& member) {
        using namespace npz_detail;
        const std::string what = describe(member);
        std::uint8_t local[local_header_size];
        read_exactly(in_, file_, member.local_offset, local, local_header_size);
        require(get32(local) == local_signature, what, ": corrupt: no local file header at offset ",
                member.local_offset);
        const std::size_t name_size = get16(local + 26), extra_size = get16(local + 28);
        const std::uint64_t data_offset = member.local_offset + local_header_size + name_size + extra_size;
        require(data_offset + member.compressed_size <= directory_offset_, what,
                ": corrupt: its data runs into the central directory");
        std::string name(name_size, '\0');
        read_exactly(in_, file_, member.local_offset + local_header_size, reinterpret_cast<std::uint8_t*>(name.data()),
                     name_size);
        require(name == member.member, what, ": corrupt: the local header names it '", name, "'");
        // With a data descriptor the local header's CRC and sizes are zeros; the directory's count.
        if (!(get16(local + 6) & data_descriptor_flag)) {
            require(get16(local + 8) == member.method && get32(local + 14) == member.crc &&
                        get32(local + 18) == member.compressed_size && get32(local + 22) == member.size,
                    what, ": corrupt: the local header disagrees with the central directory on method, CRC or size");
        }

        std::string stored_bytes(static_cast<std::size_t>(member.compressed_size), '\0');
        read_exactly(in_, file_, data_offset, reinterpret_cast<std::uint8_t*>(stored_bytes.data()), stored_bytes.size());
        std::string bytes = member.method == deflated
                                ? inflate_raw(stored_bytes, static_cast<std::size_t>(member.size), what)
                                : std::move(stored_bytes);
        const std::uint32_t crc = crc32_of(bytes);
        require(crc == member.crc, what, ": corrupt: CRC-32 of the data is ", crc, ", the directory says ", member.crc);
        return bytes;
    }

    std::string file_;
    std::ifstream in_;
    std::uint64_t directory_offset_ = 0;
    std::vector<Member> members_;
};

// Every array of an .npz archive, converted to T, by name.
template <class T>
std::map<std::string, xt::xarray<T>> load_npz(const std::filesystem::path& path) {
    NpzReader reader(path);
    std::map<std::string, xt::xarray<T>> arrays;
    for (const auto& name : reader.names()) arrays.emplace(name, reader.read<T>(name));
    return arrays;
}

// Writes an .npz archive member by member. The archive is complete only after close(): a
// writer destroyed before that (an exception on the way) removes its unfinished file rather
// than leave one that looks like an archive.
class NpzWriter {
public:
    explicit NpzWriter(std::filesystem::path path) : path_(std::move(path)), file_(path_.string()) {
        out_.open(path_, std::ios::binary | std::ios::trunc);
        require(out_.is_open(), file_, ": cannot open for writing");
    }
    NpzWriter(const NpzWriter&) = delete;
    NpzWriter& operator=(const NpzWriter&) = delete;
    ~NpzWriter() {
        if (closed_) return;
        out_.close();
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }

    // Adds the array `name` (member "<name>.npy") of `shape`-shaped values stored
    // contiguously in C order at `data`.
    template <class T>
    void add(std::string_view name, const T* data, std::span<const std::size_t> shape) {
        require(!closed_, file_, ": add('", name, "') after close()");
        require(!name.empty(), file_, ": an array needs a non-empty name");
        const std::string member = std::string(name) + ".npy";
        for (const auto& entry : entries_)
            require(entry.member != member, file_, ": the archive already holds an array named '", name, "'");
        write_member(member, npy_bytes(data, shape, file_ + ", member '" + member + "'"));
    }
    template <class E>
    void add(std::string_view name, const xt::xexpression<E>& expression) {
        npy_detail::with_c_order(expression,
                                 [&](const auto* data, std::span<const std::size_t> shape) { add(name, data, shape); });
    }

    // Writes the central directory; the archive is complete when this returns.
    void close() {
        using namespace npz_detail;
        require(!closed_, file_, ": close() called twice");
        const std::uint64_t directory_offset = offset_;
        std::string directory;
        for (const auto& entry : entries_) {
            put32(directory, central_signature);
            put16(directory, zip_version);  // made by: MS-DOS attributes, version 2.0
            directory += header_fields(entry);
            put16(directory, 0);  // comment length
            put16(directory, 0);  // disk number
            put16(directory, 0);  // internal attributes
            put32(directory, 0);  // external attributes
            put32(directory, entry.offset);
            directory += entry.member;
        }
        const std::uint64_t directory_size = directory.size();
        require(directory_offset + directory_size < zip32_limit, file_,
                ": the archive would exceed 4 GiB, which needs ZIP64 (not supported)");
        put32(directory, end_signature);
        put16(directory, 0);  // this disk
        put16(directory, 0);  // the disk where the directory starts
        put16(directory, entries_.size());
        put16(directory, entries_.size());
        put32(directory, directory_size);
        put32(directory, directory_offset);
        put16(directory, 0);  // comment length
        write(directory);
        out_.close();
        require(!out_.fail(), file_, ": write failed");
        closed_ = true;
    }

private:
    struct Entry {
        std::string member;
        std::uint32_t crc = 0;
        std::uint64_t size = 0, offset = 0;
    };

    // The fields a local header and a directory entry share, from "version needed" to
    // "extra field length".
    static std::string header_fields(const Entry& entry) {
        using namespace npz_detail;
        const bool ascii = std::all_of(entry.member.begin(), entry.member.end(),
                                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        std::string fields;
        put16(fields, zip_version);
        put16(fields, ascii ? 0 : utf8_flag);
        put16(fields, stored);
        put16(fields, 0);  // time 00:00:00
        put16(fields, dos_date_1980_01_01);
        put32(fields, entry.crc);
        put32(fields, entry.size);  // compressed size = size: stored
        put32(fields, entry.size);
        put16(fields, entry.member.size());
        put16(fields, 0);  // extra field length
        return fields;
    }

    void write_member(const std::string& member, const std::string& bytes) {
        using namespace npz_detail;
        require(entries_.size() < max_members, file_, ": more than ", max_members,
                " arrays need ZIP64, which is not supported");
        require(member.size() <= 0xFFFF, file_, ": the array name '", member, "' is too long for a zip file");
        const std::uint64_t end = offset_ + local_header_size + member.size() + bytes.size();
        require(end < zip32_limit, file_, ": adding '", member, "' (", bytes.size(),
                " bytes) would make the archive exceed 4 GiB, which needs ZIP64 (not supported)");
        const Entry entry{member, crc32_of(bytes), bytes.size(), offset_};
        std::string header;
        put32(header, local_signature);
        header += header_fields(entry) + member;
        write(header);
        write(bytes);
        entries_.push_back(entry);
    }

    void write(const std::string& bytes) {
        out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        require(out_.good(), file_, ": write failed");
        offset_ += bytes.size();
    }

    std::filesystem::path path_;
    std::string file_;
    std::ofstream out_;
    std::uint64_t offset_ = 0;
    std::vector<Entry> entries_;
    bool closed_ = false;
};

}  // namespace latentlab::data
