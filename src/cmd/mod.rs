pub mod inspect;
pub mod invoke;
pub mod new;
pub mod plug;
pub mod run;
pub mod test;
pub mod wit;
