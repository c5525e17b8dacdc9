#include "image/dl/archive_api.h"

#include "dynlib/dynlib.h"

namespace strata::image::dl {

Result<const ArchiveApi*> archive_api() {
    return dynlib::load_once<ArchiveApi>("libarchive.so.13", "libarchive13", [](const dynlib::DynLib& lib, ArchiveApi& a) -> Result<> {
#define BIND(member, symbol) STRATA_TRY(lib.bind(a.member, #symbol))
        BIND(read_new, archive_read_new);
        BIND(read_free, archive_read_free);
        BIND(support_filter_none, archive_read_support_filter_none);
        BIND(support_filter_gzip, archive_read_support_filter_gzip);
        BIND(support_filter_zstd, archive_read_support_filter_zstd);
        BIND(support_format_tar, archive_read_support_format_tar);
        BIND(support_format_raw, archive_read_support_format_raw);
        BIND(read_open, archive_read_open);
        BIND(read_open2, archive_read_open2);
        BIND(next_header, archive_read_next_header);
        BIND(read_data, archive_read_data);
        BIND(read_data_block, archive_read_data_block);
        BIND(read_data_skip, archive_read_data_skip);
        BIND(error_string, archive_error_string);
        BIND(error_errno, archive_errno);
        BIND(filter_code, archive_filter_code);
        BIND(filter_bytes, archive_filter_bytes);
        BIND(entry_pathname, archive_entry_pathname);
        BIND(entry_pathname_utf8, archive_entry_pathname_utf8);
        BIND(entry_filetype, archive_entry_filetype);
        BIND(entry_perm, archive_entry_perm);
        BIND(entry_uid, archive_entry_uid);
        BIND(entry_gid, archive_entry_gid);
        BIND(entry_size, archive_entry_size);
        BIND(entry_mtime, archive_entry_mtime);
        BIND(entry_mtime_nsec, archive_entry_mtime_nsec);
        BIND(entry_mtime_is_set, archive_entry_mtime_is_set);
        BIND(entry_atime, archive_entry_atime);
        BIND(entry_atime_nsec, archive_entry_atime_nsec);
        BIND(entry_atime_is_set, archive_entry_atime_is_set);
        BIND(entry_symlink, archive_entry_symlink);
        BIND(entry_symlink_utf8, archive_entry_symlink_utf8);
        BIND(entry_hardlink, archive_entry_hardlink);
        BIND(entry_hardlink_utf8, archive_entry_hardlink_utf8);
        BIND(entry_rdevmajor, archive_entry_rdevmajor);
        BIND(entry_rdevminor, archive_entry_rdevminor);
        BIND(entry_xattr_reset, archive_entry_xattr_reset);
        BIND(entry_xattr_next, archive_entry_xattr_next);
        BIND(entry_sparse_count, archive_entry_sparse_count);
#undef BIND
        return {};
    });
}

}  // namespace strata::image::dl
