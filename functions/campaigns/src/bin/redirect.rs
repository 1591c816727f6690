//! Lambda entry point of the public tracked-link redirect (a Function URL). Wiring only.

use lambda_http::http::Response;
use lambda_http::{Body, Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // The store-backed links only: the redirect is public and gets no WeCom client.
    let links = aws_wiring::links_from_env().await?;
    let links = &links;
    lambda_http::run(service_fn(move |request: Request| async move {
        let from = campaigns::redirect::request_source(&request);
        let answer =
            campaigns::redirect::answer(links, request.method(), request.uri().path(), &from).await;
        let (parts, body) = answer.into_parts();
        Ok::<Response<Body>, Error>(Response::from_parts(parts, Body::from(body)))
    }))
    .await
}
