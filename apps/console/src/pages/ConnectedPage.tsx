import { PageTitle } from '../components/ui';

/** Where the account owner lands after authorizing on WeChat's page (no sign-in needed). */
export function ConnectedPage() {
  return (
    <main className="signin" id="main">
      <div className="card">
        <PageTitle>Authorization finished</PageTitle>
        <p>Authorization finished — you can close this page.</p>
        <p className="muted">
          The person who sent you the link sees the account in the console within a few seconds.
        </p>
      </div>
    </main>
  );
}
