#pragma once
// What `strata load -i` reads: a directory (an OCI image layout, or the files of a
// docker-archive) or a tar file holding either. An uncompressed tar is read in place through a
// TarIndex; a compressed one (.tar.gz, .tar.zst) is first unpacked into a staging directory.

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"
#include "image/layer_reader.h"
#include "image/store.h"
#include "image/tar_index.h"

namespace strata::image {

// A file range plus the fd it needs, if the source opened one for it.
struct OpenedRange {
    UniqueFd owned;
    FileRange range;
};

class ImageSource {
public:
    static Result<ImageSource> open(const std::string& path, const Store& store);

    bool exists(std::string_view path) const;
    // A small file (a manifest, a config, index.json); larger than `max` is an error.
    Result<std::string> read(std::string_view path, int64_t max) const;
    Result<OpenedRange> range(std::string_view path) const;
    const std::string& name() const { return m_name; }

private:
    std::string m_name;          // the -i argument, for messages
    UniqueFd m_dir;              // a directory source (given, or extracted)
    UniqueFd m_file;             // an uncompressed tar source
    std::optional<TarIndex> m_tar;
    StagingDir m_extracted;
};

}  // namespace strata::image
