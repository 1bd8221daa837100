//! (The use cases of this family move here from omni-api.)
