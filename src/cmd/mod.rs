pub mod inspect;
pub mod invoke;
pub mod new;
pub mod run;
pub mod wit;
