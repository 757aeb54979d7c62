import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
// Applies the stored theme, text size and layout before the first paint.
import './state/settings.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });
