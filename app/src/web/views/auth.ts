import { html, type SafeHtml } from '../html.ts';
import { csrfField, formError, input, select, textarea } from './fields.ts';

export function signinView(
  csrf: string,
  values: { login?: string; next?: string },
  error?: string,
): SafeHtml {
  return html`<section class="card narrow">
    <h1>Sign in</h1>
    ${formError(error)}
    <form method="post" action="/signin">
      ${csrfField(csrf)}
      <input type="hidden" name="next" value="${values.next ?? '/'}">
      ${input({ label: 'Email or user id', name: 'login', value: values.login, required: true, autocomplete: 'username', maxlength: 254 })}
      ${input({ label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'current-password', maxlength: 128 })}
      <button type="submit">Sign in</button>
    </form>
    <p>New here? <a href="/signup">Create an account</a></p>
  </section>`;
}

export const genders: Array<[string, string]> = [
  ['', 'Not saying'],
  ['female', 'Female'],
  ['male', 'Male'],
];

export function signupView(csrf: string, values: Record<string, string>, error?: string): SafeHtml {
  return html`<section class="card narrow">
    <h1>Create an account</h1>
    ${formError(error)}
    <form method="post" action="/signup">
      ${csrfField(csrf)}
      ${input({ label: 'First name', name: 'first_name', value: values.first_name, required: true, autocomplete: 'given-name', maxlength: 100 })}
      ${input({ label: 'Last name', name: 'second_name', value: values.second_name, required: true, autocomplete: 'family-name', maxlength: 100 })}
      ${input({ label: 'Date of birth', name: 'birthdate', type: 'date', value: values.birthdate, required: true, autocomplete: 'bday' })}
      ${select({ label: 'Gender', name: 'gender', value: values.gender, options: genders })}
      ${input({ label: 'City', name: 'city', value: values.city, autocomplete: 'address-level2', maxlength: 100 })}
      ${textarea({ label: 'About you', optional: true, name: 'biography', value: values.biography, maxlength: 4000 })}
      ${input({ label: 'Email', name: 'email', type: 'email', value: values.email, autocomplete: 'email', maxlength: 254, hint: 'To sign in with; without it you sign in with your user id.' })}
      ${input({ label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'new-password', maxlength: 128, hint: '6 to 128 characters.' })}
      <button type="submit">Create account</button>
    </form>
    <p>Have an account? <a href="/signin">Sign in</a></p>
  </section>`;
}
