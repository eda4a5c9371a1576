//! Including mechanisms that a build script compiled with gradmod's `Builder`.

/// Includes the mechanism catalogue `name` that the build script wrote to `OUT_DIR`: one module
/// per mechanism (`hh::Hh`, ...), `NAMES`, and `by_name(name) -> Option<Box<dyn Mechanism>>`.
///
/// ```ignore
/// mod catalogue {
///     gradmod_runtime::include_mechanisms!("catalogue");
/// }
/// let hh = catalogue::by_name("hh").unwrap();
/// ```
#[macro_export]
macro_rules! include_mechanisms {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}
