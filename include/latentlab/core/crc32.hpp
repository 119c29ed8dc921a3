#pragma once
// CRC-32 (zlib's, the zip and PNG polynomial) of a byte range of any size: checkpoints and
// .npz archives carry one to catch corrupted files.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include <zlib.h>

namespace latentlab {

inline std::uint32_t crc32_of(std::span<const char> bytes) {
    uLong crc = crc32(0L, Z_NULL, 0);
    // zlib counts in 32-bit unsigned ints: feed large ranges in pieces.
    for (std::size_t done = 0; done < bytes.size();) {
        const auto piece = static_cast<uInt>(std::min<std::size_t>(bytes.size() - done, std::size_t{1} << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), piece);
        done += piece;
    }
    return static_cast<std::uint32_t>(crc);
}

}  // namespace latentlab
