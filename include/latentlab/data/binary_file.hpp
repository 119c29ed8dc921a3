#pragma once
// Finding, reading and writing files. Every failure names the file and says what was wrong;
// a file is read whole or not at all (a short read is an Error) and written whole or not at
// all (write_file_atomically).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "latentlab/core/error.hpp"
#include "latentlab/data/gzip.hpp"

namespace latentlab::data {

// The size of a regular file; an Error if it is missing or not a regular file.
inline std::uint64_t regular_file_size(const std::filesystem::path& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    require(std::filesystem::exists(status), path.string(), ": cannot open for reading: no such file");
    require(std::filesystem::is_regular_file(status), path.string(), ": cannot open for reading: not a regular file");
    const auto size = std::filesystem::file_size(path, ec);
    require(!ec, path.string(), ": cannot determine the file size (", ec.message(), ")");
    return size;
}

// Reads `count` bytes at `offset` of an open file; anything less is an Error.
inline void read_exactly(std::ifstream& in, const std::string& file, std::uint64_t offset, std::uint8_t* out,
                         std::size_t count) {
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(count));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got != count) {
        in.clear();
        fail(file, ": read error: expected ", count, " bytes at offset ", offset, ", got ", got,
             " (was the file changed while being read?)");
    }
}

// A file's bytes exactly as stored.
inline std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path) {
    const std::string file = path.string();
    const auto size = regular_file_size(path);
    std::ifstream in(path, std::ios::binary);
    require(in.is_open(), file, ": cannot open for reading");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    read_exactly(in, file, 0, bytes.data(), bytes.size());
    return bytes;
}

// A file's contents, decompressed when the file is gzip. The content decides, not the
// name: "x.gz" may have been unpacked by a browser and "x" may still be compressed.
struct FileContents {
    std::vector<std::uint8_t> bytes;
    bool decompressed = false;  // the file was gzip; `bytes` are what it decompressed to
};

inline FileContents read_file_contents(const std::filesystem::path& path) {
    std::vector<std::uint8_t> bytes = read_file_bytes(path);
    if (!has_gzip_magic(bytes)) return {std::move(bytes), false};
    return {gunzip(bytes, path.string()), true};
}

// Writes `bytes` to path + ".partial", then renames it to `path`: a crash or a full disk
// never leaves a half-written file under the real name (checkpoints, run logs).
inline void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
    auto temporary = path;
    temporary += ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        require(out.good(), "cannot write ", temporary.string());
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        require(out.good(), "writing ", temporary.string(), " failed (disk full?)");
    }
    std::filesystem::rename(temporary, path);
}

// The first of `names` that exists in `dir`; `what` describes the file in the message
// when none does ("Fashion-MNIST training images").
inline std::filesystem::path find_dataset_file(const std::filesystem::path& dir,
                                               std::initializer_list<std::string_view> names, std::string_view what) {
    std::string tried;
    for (std::string_view name : names) {
        const auto path = dir / name;
        std::error_code ec;
        if (std::filesystem::exists(path, ec)) return path;
        tried += (tried.empty() ? "" : " or ") + std::string(name);
    }
    fail(dir.string(), ": no file for the ", what, " (looked for ", tried, ")");
}

// Datasets unpack into a folder of their own (cifar-10-batches-bin, stl10_binary, ...):
// accept both that folder and the one holding it.
inline std::filesystem::path dataset_folder(const std::filesystem::path& dir, std::string_view unpacked_name) {
    std::error_code ec;
    const auto nested = dir / unpacked_name;
    return std::filesystem::is_directory(nested, ec) ? nested : dir;
}

}  // namespace latentlab::data
