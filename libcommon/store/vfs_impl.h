/* vfs_impl.h: what every backend's file struct starts with. Private to vfs*.c. * Layer: store (may include base/, codec/, sm/ and store/; files only through the vfs).
 */
#ifndef FL_VFS_IMPL_H
#define FL_VFS_IMPL_H

struct fl_file {
	struct fl_vfs *vfs;
};

#endif
