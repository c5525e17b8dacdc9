#pragma once
// libarchive, loaded on first use (see dynlib.h for why it is not linked). Only the calls the
// layer reader needs; each member has the exact type of the function in <archive.h>.

#include <archive.h>
#include <archive_entry.h>

#include "base/result.h"

namespace strata::image::dl {

struct ArchiveApi {
    decltype(&::archive_read_new) read_new;
    decltype(&::archive_read_free) read_free;
    decltype(&::archive_read_support_filter_none) support_filter_none;
    decltype(&::archive_read_support_filter_gzip) support_filter_gzip;
    decltype(&::archive_read_support_filter_zstd) support_filter_zstd;
    decltype(&::archive_read_support_format_tar) support_format_tar;
    decltype(&::archive_read_support_format_raw) support_format_raw;
    decltype(&::archive_read_open) read_open;
    decltype(&::archive_read_open2) read_open2;
    decltype(&::archive_read_next_header) next_header;
    decltype(&::archive_read_data) read_data;
    decltype(&::archive_read_data_block) read_data_block;
    decltype(&::archive_read_data_skip) read_data_skip;
    decltype(&::archive_error_string) error_string;
    decltype(&::archive_errno) error_errno;
    decltype(&::archive_filter_code) filter_code;
    decltype(&::archive_filter_bytes) filter_bytes;

    decltype(&::archive_entry_pathname) entry_pathname;
    decltype(&::archive_entry_pathname_utf8) entry_pathname_utf8;
    decltype(&::archive_entry_filetype) entry_filetype;
    decltype(&::archive_entry_perm) entry_perm;
    decltype(&::archive_entry_uid) entry_uid;
    decltype(&::archive_entry_gid) entry_gid;
    decltype(&::archive_entry_size) entry_size;
    decltype(&::archive_entry_mtime) entry_mtime;
    decltype(&::archive_entry_mtime_nsec) entry_mtime_nsec;
    decltype(&::archive_entry_mtime_is_set) entry_mtime_is_set;
    decltype(&::archive_entry_atime) entry_atime;
    decltype(&::archive_entry_atime_nsec) entry_atime_nsec;
    decltype(&::archive_entry_atime_is_set) entry_atime_is_set;
    decltype(&::archive_entry_symlink) entry_symlink;
    decltype(&::archive_entry_symlink_utf8) entry_symlink_utf8;
    decltype(&::archive_entry_hardlink) entry_hardlink;
    decltype(&::archive_entry_hardlink_utf8) entry_hardlink_utf8;
    decltype(&::archive_entry_rdevmajor) entry_rdevmajor;
    decltype(&::archive_entry_rdevminor) entry_rdevminor;
    decltype(&::archive_entry_xattr_reset) entry_xattr_reset;
    decltype(&::archive_entry_xattr_next) entry_xattr_next;
    decltype(&::archive_entry_sparse_count) entry_sparse_count;
};

// Loads libarchive.so.13 once per process; later calls return the same table.
Result<const ArchiveApi*> archive_api();

}  // namespace strata::image::dl
