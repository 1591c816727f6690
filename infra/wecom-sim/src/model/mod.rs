//! Public data types: what the simulator stores, what the control API accepts and what it answers.
//!
//! Every type is `Serialize + Deserialize`, so a test in another crate can drive the control API
//! over HTTP and decode the answers into the same types the Rust helpers return. The crate root
//! re-exports all of them; the modules only group them by domain:
//!
//! | module | types |
//! |---|---|
//! | `contacts` | members, customers and their relationships |
//! | `tags` | the corp tag catalogue |
//! | `messages` | welcome codes and messages, application messages |
//! | `deliveries` | callback deliveries and their attempts |
//! | `faults` | fault rules and call counts |
//! | `snapshot` | [`StateSnapshot`], everything the simulator holds |
//! | `events` | control requests that emit a callback event, and their answers |
//! | `seed` | bulk seeding and silent changes |
//! | `groupmsg` | 群发 tasks, confirmations and the quota |
//! | `media` | uploaded media and images |
//! | `handover` | departed members and customer transfers (继承) |

mod contacts;
mod defaults;
mod deliveries;
mod events;
mod faults;
mod groupmsg;
mod handover;
mod media;
mod messages;
mod seed;
mod snapshot;
mod tags;

pub use contacts::*;
pub use deliveries::*;
pub use events::*;
pub use faults::*;
pub use groupmsg::*;
pub use handover::*;
pub use media::*;
pub use messages::*;
pub use seed::*;
pub use snapshot::*;
pub use tags::*;
