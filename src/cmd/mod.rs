pub mod inspect;
pub mod new;
pub mod wit;
