// Sign-in with OIDC (Cognito in AWS, the dev identity provider of `polysynergy dev`
// locally), configured from /config.json. When the API says the session expired, the
// editor signs in again in a popup, so the page — and unsaved work — stays as it is.

import { type User, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { RuntimeConfig } from '../config';

export const CALLBACK_PATH = '/auth/callback';
export const POPUP_CALLBACK_PATH = '/auth/popup';

export class Session {
  private readonly um: UserManager | null;
  /** The path the identity provider returns to after a redirect sign-in. */
  readonly callbackPath: string;

  constructor(cfg: RuntimeConfig, origin: string = location.origin) {
    this.callbackPath = cfg.redirectPath ?? CALLBACK_PATH;
    this.um = cfg.issuer
      ? new UserManager({
          authority: cfg.issuer,
          client_id: cfg.clientId,
          redirect_uri: origin + this.callbackPath,
          popup_redirect_uri: origin + POPUP_CALLBACK_PATH,
          post_logout_redirect_uri: `${origin}/`,
          response_type: 'code',
          scope: cfg.scope ?? 'openid email profile',
          automaticSilentRenew: true,
          userStore: new WebStorageStateStore({ store: sessionStorage }),
        })
      : null;
  }

  /** False when the deployment has no identity provider (a local cloud without auth). */
  get enabled(): boolean {
    return this.um !== null;
  }

  async user(): Promise<User | null> {
    if (!this.um) return null;
    const u = await this.um.getUser();
    return u && !u.expired ? u : null;
  }

  /** The bearer token for the API and the WebSocket. */
  async token(): Promise<string | null> {
    return (await this.user())?.access_token ?? null;
  }

  /** Leaves for the identity provider; comes back to returnTo. */
  async signIn(returnTo: string = location.pathname + location.search + location.hash): Promise<void> {
    await this.um?.signinRedirect({ state: { returnTo } });
  }

  /** Finishes a redirect sign-in; returns where to go next. */
  async completeSignIn(): Promise<string> {
    if (!this.um) return '/';
    const u = await this.um.signinRedirectCallback();
    const st = u.state as { returnTo?: string } | undefined;
    return st?.returnTo && st.returnTo.startsWith('/') ? st.returnTo : '/';
  }

  /** Signs in again without leaving the page (after the session expired). */
  async signInPopup(): Promise<void> {
    await this.um?.signinPopup();
  }

  async completePopup(): Promise<void> {
    await this.um?.signinPopupCallback();
  }

  async signOut(): Promise<void> {
    if (!this.um) return;
    try {
      await this.um.signoutRedirect();
    } catch {
      // providers without an end-session endpoint: forget the session locally
      await this.um.removeUser();
      location.assign('/');
    }
  }
}
